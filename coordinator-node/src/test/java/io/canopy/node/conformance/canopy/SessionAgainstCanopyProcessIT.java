package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractSessionConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractSessionConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class SessionAgainstCanopyProcessIT extends AbstractSessionConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
