package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractWatchConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractWatchConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class WatchAgainstZooKeeperTest extends AbstractWatchConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
