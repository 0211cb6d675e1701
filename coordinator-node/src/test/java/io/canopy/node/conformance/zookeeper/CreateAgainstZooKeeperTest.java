package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractCreateConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractCreateConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class CreateAgainstZooKeeperTest extends AbstractCreateConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
