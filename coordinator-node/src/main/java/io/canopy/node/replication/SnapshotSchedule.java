package io.canopy.node.replication;

import java.util.random.RandomGenerator;

/**
 * How many log entries a member applies before its next snapshot by count: a number drawn at random between
 * {@code max / 2 + 1} and {@code max} ({@code canopy.snapshot.threshold}), drawn again after every snapshot.
 * This is ZooKeeper's rule for {@code snapCount}, and for its reason: every member of a cluster applies the same
 * entries, so with one fixed count they would all capture and write a snapshot of the same large tree at the same
 * moment, and the cluster would have no member left whose disk and CPU serve the quorum undisturbed.
 *
 * <p>Ratis's own trigger is set to {@link #floor()}: from there on it asks after every apply, and the state machine
 * captures once {@link #current()} entries have been applied since the last snapshot. Apply thread only (the
 * draws are not shared).
 */
final class SnapshotSchedule {
    private final long max;
    private final RandomGenerator random;
    private long current;

    /** @param max entries after which a snapshot is due at the latest; at least 1 */
    SnapshotSchedule(long max, RandomGenerator random) {
        if (max < 1) {
            throw new IllegalArgumentException("canopy.snapshot.threshold must be at least 1 entry, was " + max);
        }
        this.max = max;
        this.random = random;
        roll();
    }

    /** The fewest entries between two snapshots by count: Ratis's trigger threshold. */
    long floor() {
        return floor(max);
    }

    static long floor(long max) {
        return max / 2 + 1;
    }

    /** Entries since the last snapshot after which the next one is due. */
    long current() {
        return current;
    }

    /** Draws the count for the next snapshot (after a capture). */
    void roll() {
        long floor = floor();
        current = floor >= max ? max : random.nextLong(floor, max + 1);
    }
}
