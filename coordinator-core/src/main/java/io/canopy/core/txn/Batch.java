package io.canopy.core.txn;

import java.util.List;

/**
 * The payload of one log entry: many ZooKeeper transactions applied in order, with what the leader decided when
 * it appended the entry, so that apply reads neither a clock nor a local setting.
 *
 * @param timeMillis   the leader's wall-clock time (ctime/mtime, TTL expiry)
 * @param txns         the transactions, in order
 * @param enforceQuota whether quota hard limits are enforced for these transactions (ZooKeeper's
 *                     {@code zookeeper.enforceQuota}, which ZooKeeper's leader applies when it prepares a request)
 */
public record Batch(long timeMillis, List<Txn> txns, boolean enforceQuota) {

    /** A batch whose quotas are not enforced (ZooKeeper's default). */
    public Batch(long timeMillis, List<Txn> txns) {
        this(timeMillis, txns, false);
    }
}
