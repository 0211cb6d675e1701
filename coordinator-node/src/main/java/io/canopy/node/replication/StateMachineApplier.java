package io.canopy.node.replication;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What the replication layer drives: implemented by the server, called by the Ratis state machine adapter on
 * its single apply thread (apply and snapshot never run concurrently with each other).
 */
public interface StateMachineApplier {

    /** Applies one committed entry (an encoded {@link io.canopy.core.txn.Batch}) at {@code logIndex}. */
    void apply(long logIndex, byte[] entry);

    /** The index of the last applied entry, also after {@link #restoreSnapshot}. */
    long lastAppliedIndex();

    /** Writes a snapshot of the state as of {@link #lastAppliedIndex()}. Reads may continue meanwhile. */
    void writeSnapshot(OutputStream out) throws IOException;

    /** Replaces the whole state with a snapshot (start-up, or one installed from the leader). */
    void restoreSnapshot(InputStream in) throws IOException;

    /** Leadership changed: the leader runs session expiry and container/TTL clean-up; a new leader gives every
     * session a fresh timeout. */
    void leadershipChanged(boolean leader);
}
