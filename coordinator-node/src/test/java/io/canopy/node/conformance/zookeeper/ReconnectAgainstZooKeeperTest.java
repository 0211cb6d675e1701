package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractReconnectConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReconnectConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class ReconnectAgainstZooKeeperTest extends AbstractReconnectConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
