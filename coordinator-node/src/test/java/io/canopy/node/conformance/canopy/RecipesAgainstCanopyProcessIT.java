package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractRecipesConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class RecipesAgainstCanopyProcessIT extends AbstractRecipesConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
