package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractFourLetterWordConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractFourLetterWordConformanceTest} against a Canopy node started in this JVM. */
class FourLetterWordAgainstCanopyTest extends AbstractFourLetterWordConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
