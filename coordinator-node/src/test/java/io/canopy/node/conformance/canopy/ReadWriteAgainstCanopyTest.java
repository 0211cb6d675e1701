package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractReadWriteConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReadWriteConformanceTest} against a Canopy node started in this JVM. */
class ReadWriteAgainstCanopyTest extends AbstractReadWriteConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
