package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractReadWriteConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReadWriteConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class ReadWriteAgainstZooKeeperTest extends AbstractReadWriteConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
