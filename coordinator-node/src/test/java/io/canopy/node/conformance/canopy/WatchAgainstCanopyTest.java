package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractWatchConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractWatchConformanceTest} against a Canopy node started in this JVM. */
class WatchAgainstCanopyTest extends AbstractWatchConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
