package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractRecipesDataConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesDataConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class RecipesDataAgainstZooKeeperTest extends AbstractRecipesDataConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
