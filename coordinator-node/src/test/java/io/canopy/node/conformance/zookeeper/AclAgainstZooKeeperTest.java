package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractAclConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractAclConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class AclAgainstZooKeeperTest extends AbstractAclConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
