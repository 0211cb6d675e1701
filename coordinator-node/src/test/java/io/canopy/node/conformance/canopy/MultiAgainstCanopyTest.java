package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractMultiConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractMultiConformanceTest} against a Canopy node started in this JVM. */
class MultiAgainstCanopyTest extends AbstractMultiConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
