package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractSessionConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractSessionConformanceTest} against a Canopy node started in this JVM. */
class SessionAgainstCanopyTest extends AbstractSessionConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
