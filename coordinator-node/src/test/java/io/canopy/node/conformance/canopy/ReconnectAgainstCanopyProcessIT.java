package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractReconnectConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReconnectConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class ReconnectAgainstCanopyProcessIT extends AbstractReconnectConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
