package io.canopy.node.replication;

/**
 * Last, smallest and largest size of the entries this node appended as leader: ZooKeeper's proposal sizes
 * ({@code BufferStats}: {@code zk_last_proposal_size}, {@code zk_min_proposal_size}, {@code zk_max_proposal_size},
 * srvr's "Proposal sizes last/min/max"), -1 before the first. A ZooKeeper proposal carries one transaction; a
 * Canopy log entry carries a batch of them, so these are the sizes of whole batched entries (as stamped by the
 * leader, without Ratis's framing). Written on Ratis's thread that starts transactions, read by mntr.
 */
public final class EntrySizes {
    private long last = -1;
    private long min = -1;
    private long max = -1;

    synchronized void record(long bytes) {
        last = bytes;
        min = min < 0 ? bytes : Math.min(min, bytes);
        max = Math.max(max, bytes);
    }

    /** A new term of leadership starts counting afresh, as ZooKeeper's new Leader does. */
    synchronized void reset() {
        last = -1;
        min = -1;
        max = -1;
    }

    /** {last, min, max}, read together. */
    synchronized long[] snapshot() {
        return new long[] {last, min, max};
    }
}
