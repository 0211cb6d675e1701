package io.canopy.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;

import io.canopy.core.txn.Batch;

/**
 * The replicated state machine: znode tree and sessions, changed only by {@link #apply}. Deterministic: the
 * same entries in the same order give the same state, byte for byte, on every replica. Single-threaded by
 * contract: the node calls {@link #apply} under its write lock and the read methods under its read lock (read
 * methods never mutate, so several readers may run at once).
 */
public final class CoordinatorState {

    public CoordinatorState(CoreSettings settings) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Applies one committed log entry. ZooKeeper errors are outcomes, never exceptions. */
    public ApplyResult apply(long logIndex, Batch batch) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Serves a read-only request from local state with ZooKeeper's ACL checks: exists, getData, getChildren,
     * getChildren2, getACL, getAllChildrenNumber, getEphemerals, multiRead, whoAmI. When the request asks for a
     * watch and ZooKeeper would set one, the outcome says which; the caller registers it before releasing its
     * read lock, so no change can slip between the read and the registration.
     */
    public ReadOutcome read(long sessionId, List<Id> identities, int opCode, Record request) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The session, or null if there is no such live session. */
    public SessionInfo session(long sessionId) {
        throw new UnsupportedOperationException("TODO");
    }

    public Collection<SessionInfo> sessions() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Index of the last applied log entry (0 before any). */
    public long lastAppliedIndex() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The last zxid assigned; only grows. */
    public long lastZxid() {
        throw new UnsupportedOperationException("TODO");
    }

    public TreeStats stats() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Data watches and exists-watches resolution for setWatches needs the tree: a read-only view. */
    public TreeView view() {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Container nodes that are empty and have had children, and TTL nodes without children whose TTL has passed
     * at {@code nowMillis}; at most {@code max}. The leader proposes a REAP of them; apply checks again.
     */
    public List<String> reapCandidates(long nowMillis, int max) {
        throw new UnsupportedOperationException("TODO");
    }

    /** A digest of the tree and sessions, equal on replicas that applied the same entries. */
    public long digest() {
        throw new UnsupportedOperationException("TODO");
    }

    public void writeSnapshot(DataOutputStream out) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }

    public static CoordinatorState readSnapshot(DataInputStream in, CoreSettings settings) throws IOException {
        throw new UnsupportedOperationException("TODO");
    }
}
