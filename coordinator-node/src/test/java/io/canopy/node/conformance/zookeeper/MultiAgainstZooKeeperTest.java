package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractMultiConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractMultiConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class MultiAgainstZooKeeperTest extends AbstractMultiConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
