package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractReconnectConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractReconnectConformanceTest} against a Canopy node started in this JVM. */
class ReconnectAgainstCanopyTest extends AbstractReconnectConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
