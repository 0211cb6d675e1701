package io.canopy.node.conformance.zookeeper;

import io.canopy.node.conformance.AbstractQuotaConformanceTest;
import io.canopy.node.conformance.CoordinatorTarget;

/** Runs {@link AbstractQuotaConformanceTest} against Apache ZooKeeper, which defines the expected behaviour. */
class QuotaAgainstZooKeeperTest extends AbstractQuotaConformanceTest {

    @Override
    protected CoordinatorTarget target() {
        return ZooKeeperTarget.shared();
    }
}
