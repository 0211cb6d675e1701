package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractAclConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractAclConformanceTest} against a Canopy node in a JVM of its own, started from the jar. */
class AclAgainstCanopyProcessIT extends AbstractAclConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.process();
    }
}
