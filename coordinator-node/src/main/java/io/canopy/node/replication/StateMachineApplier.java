package io.canopy.node.replication;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import io.canopy.core.RunVerdict;

/**
 * What the replication layer drives: implemented by the server, called by the Ratis state machine adapter on
 * its single apply thread (apply and snapshot capture never run concurrently with each other; writing a
 * captured snapshot does, on the snapshot thread).
 */
public interface StateMachineApplier {

    /** Nothing to tell the entry's proposer beyond the log index. */
    byte[] NO_ANSWER = new byte[0];

    /**
     * Applies one committed entry (an encoded {@link io.canopy.core.txn.Batch}) at {@code logIndex}. The array may
     * be the one Ratis's log holds ({@link ByteStrings}): read it, never write to it or keep it.
     */
    Applied apply(long logIndex, byte[] entry);

    /**
     * What applying an entry gave.
     *
     * @param answer   what the leader's apply answers the node that proposed the entry, carried back in Ratis's
     *                 reply, for a proposer that will not apply the entry itself ({@link TxnLog#proposeCommitted});
     *                 {@link #NO_ANSWER} for nearly every entry
     * @param verdicts what apply decided about the entry's runs (empty for an entry outside any stream)
     */
    record Applied(byte[] answer, List<RunVerdict> verdicts) {
    }

    /** The index of the last applied entry, also after {@link #restoreSnapshot}. */
    long lastAppliedIndex();

    /**
     * Captures the state as of {@link #lastAppliedIndex()}, to be written on another thread while later entries
     * are applied. Called on the apply thread between two applies, so it must be cheap (no serialization, no
     * copy of data): a snapshot that stalls apply stalls every write of the cluster.
     */
    CapturedSnapshot captureSnapshot();

    /** Replaces the whole state with a snapshot (start-up, or one installed from the leader). */
    void restoreSnapshot(InputStream in) throws IOException;

    /** Leadership changed: the leader runs session expiry and container/TTL clean-up; a new leader gives every
     * session a fresh timeout. */
    void leadershipChanged(boolean leader);

    /**
     * On the leader: sessions connected to another node showed activity there (reported with
     * {@link TxnLog#reportSessionActivity}); their expiry deadlines move forward. Changes no replicated state.
     */
    void sessionsActiveElsewhere(long[] sessionIds);

    /**
     * The Raft configuration changed (a configuration entry was applied, or this member was shut down because it
     * was removed). Called on a Ratis thread: implementations must not propose or block here.
     */
    default void membershipChanged() {
    }
}
