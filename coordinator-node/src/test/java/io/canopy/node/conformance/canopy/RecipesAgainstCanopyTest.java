package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractRecipesConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesConformanceTest} against a Canopy node started in this JVM. */
class RecipesAgainstCanopyTest extends AbstractRecipesConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
