package io.canopy.node.conformance.canopy;

import io.canopy.node.conformance.AbstractAclConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractAclConformanceTest} against a Canopy node started in this JVM. */
class AclAgainstCanopyTest extends AbstractAclConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return CanopyTargets.inJvm();
    }
}
