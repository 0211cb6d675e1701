package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractQuotaConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractQuotaConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class QuotaAgainstCanopyProcessIT extends AbstractQuotaConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
