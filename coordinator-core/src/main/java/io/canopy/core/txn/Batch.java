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
 * @param runs         the nodes' streams the transactions belong to, in order, covering {@code txns} exactly; empty
 *                     for an entry outside any stream (written before streams existed, or sent alone by a node
 *                     leaving the configuration), whose transactions are applied unchecked
 */
public record Batch(long timeMillis, List<Txn> txns, boolean enforceQuota, List<Run> runs) {

    public Batch {
        txns = List.copyOf(txns);
        runs = List.copyOf(runs);
        if (!runs.isEmpty()) {
            long covered = 0;
            for (Run r : runs) {
                covered += r.count();
            }
            if (covered != txns.size()) {
                throw new IllegalArgumentException("runs cover " + covered + " transactions of " + txns.size());
            }
        }
    }

    /** A batch outside any stream whose quotas are not enforced (ZooKeeper's default). */
    public Batch(long timeMillis, List<Txn> txns) {
        this(timeMillis, txns, false, List.of());
    }

    /** A batch outside any stream. */
    public Batch(long timeMillis, List<Txn> txns, boolean enforceQuota) {
        this(timeMillis, txns, enforceQuota, List.of());
    }
}
