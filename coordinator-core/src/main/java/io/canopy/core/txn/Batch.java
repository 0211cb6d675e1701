package io.canopy.core.txn;

import java.util.List;

/**
 * The payload of one log entry: many ZooKeeper transactions applied in order, with the leader's wall-clock
 * time at proposal (used for ctime/mtime and TTL expiry, so that apply never reads a clock).
 */
public record Batch(long timeMillis, List<Txn> txns) {
}
