package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractCreateConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractCreateConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class CreateAgainstCanopyProcessIT extends AbstractCreateConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
