package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractRecipesDataConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesDataConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class RecipesDataAgainstCanopyProcessIT extends AbstractRecipesDataConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
