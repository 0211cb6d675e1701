package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractReadWriteConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReadWriteConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class ReadWriteAgainstCanopyProcessIT extends AbstractReadWriteConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
