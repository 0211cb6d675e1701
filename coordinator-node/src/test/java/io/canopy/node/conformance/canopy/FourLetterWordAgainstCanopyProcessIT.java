package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractFourLetterWordConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractFourLetterWordConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class FourLetterWordAgainstCanopyProcessIT extends AbstractFourLetterWordConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
