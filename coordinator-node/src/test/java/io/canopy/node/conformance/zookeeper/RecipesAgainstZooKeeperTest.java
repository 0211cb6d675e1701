package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractRecipesConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class RecipesAgainstZooKeeperTest extends AbstractRecipesConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
