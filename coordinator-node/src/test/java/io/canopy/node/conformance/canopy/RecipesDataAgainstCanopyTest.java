package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractRecipesDataConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractRecipesDataConformanceTest} against a Canopy node started in this JVM. */
class RecipesDataAgainstCanopyTest extends AbstractRecipesDataConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
