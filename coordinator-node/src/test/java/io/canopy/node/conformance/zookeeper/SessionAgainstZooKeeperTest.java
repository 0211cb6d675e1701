package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractSessionConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractSessionConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class SessionAgainstZooKeeperTest extends AbstractSessionConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
