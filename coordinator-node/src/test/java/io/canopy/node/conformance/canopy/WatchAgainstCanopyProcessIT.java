package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractWatchConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractWatchConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class WatchAgainstCanopyProcessIT extends AbstractWatchConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
