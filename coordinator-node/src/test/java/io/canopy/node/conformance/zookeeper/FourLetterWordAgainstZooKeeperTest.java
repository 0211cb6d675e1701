package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractFourLetterWordConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractFourLetterWordConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class FourLetterWordAgainstZooKeeperTest extends AbstractFourLetterWordConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
