package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractCreateConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractCreateConformanceTest} against a Canopy node started in this JVM. */
class CreateAgainstCanopyTest extends AbstractCreateConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
