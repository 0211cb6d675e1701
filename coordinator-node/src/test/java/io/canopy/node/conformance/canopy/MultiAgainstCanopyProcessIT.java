package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractMultiConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractMultiConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class MultiAgainstCanopyProcessIT extends AbstractMultiConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
