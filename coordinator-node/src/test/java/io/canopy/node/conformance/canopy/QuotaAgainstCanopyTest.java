package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractQuotaConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractQuotaConformanceTest} against a Canopy node started in this JVM. */
class QuotaAgainstCanopyTest extends AbstractQuotaConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
