package io.canopy.node.replication;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Ratis's single-file snapshot storage, except that "there is no snapshot" is remembered.
 *
 * <p>Ratis 3.3.0 caches the latest snapshot once there is one, but while there is none every
 * {@link #getLatestSnapshot()} lists the state machine directory again, and Ratis asks on every append a
 * follower receives (to check it against the snapshot index) and on every round of each leader appender (should
 * it send a snapshot?). Until a member's first snapshot, that was a directory listing per entry on every member
 * (1-3 % of a node's CPU in a 3-node session-churn profile). The absence is remembered per generation: loading
 * or recording a snapshot starts a new one, before and after it changes Ratis's cache, so an answer computed
 * while a snapshot appeared is never kept. Snapshots appear only through those two calls here: the node's own
 * ({@link SnapshotWriter} records it) and one installed from the leader (Ratis then reinitializes the state
 * machine, which loads it).
 */
final class SnapshotStorage extends SimpleStateMachineStorage {
    private final AtomicLong generation = new AtomicLong();
    /** The generation in which the directory was found to hold no snapshot, or -1. */
    private volatile long emptyInGeneration = -1;
    /**
     * Set while this thread is inside {@link #getLatestSnapshot()}, whose look-up Ratis does by loading and
     * recording what it found: those calls start no new generation.
     */
    private final ThreadLocal<Boolean> lookingUp = ThreadLocal.withInitial(() -> false);

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        long g = generation.get();
        if (emptyInGeneration == g) {
            return null;
        }
        SingleFileSnapshotInfo latest;
        lookingUp.set(true);
        try {
            latest = super.getLatestSnapshot();
        } finally {
            lookingUp.set(false);
        }
        if (latest == null) {
            emptyInGeneration = g;   // stale at once if a snapshot was loaded or recorded meanwhile
        }
        return latest;
    }

    @Override
    public SingleFileSnapshotInfo loadLatestSnapshot() {
        if (lookingUp.get()) {
            return super.loadLatestSnapshot();   // the look-up above: it does not change what is on disk
        }
        generation.incrementAndGet();
        try {
            return super.loadLatestSnapshot();
        } finally {
            generation.incrementAndGet();
        }
    }

    @Override
    public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
        if (lookingUp.get()) {
            return super.updateLatestSnapshot(info);   // the look-up records what it found
        }
        generation.incrementAndGet();
        try {
            return super.updateLatestSnapshot(info);
        } finally {
            generation.incrementAndGet();
        }
    }
}
