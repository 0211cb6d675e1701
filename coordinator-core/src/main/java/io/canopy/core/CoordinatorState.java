package io.canopy.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;

import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;

/**
 * The replicated state machine: znode tree and sessions, changed only by {@link #apply}. Deterministic: the
 * same entries in the same order give the same state, byte for byte, on every replica. Single-threaded by
 * contract: the node calls {@link #apply} under its write lock and the read methods under its read lock (read
 * methods never mutate, so several readers may run at once).
 */
public final class CoordinatorState {
    /** Txns per batch: the zxid keeps 16 bits for the position. */
    public static final int MAX_TXNS_PER_BATCH = 0xFFFF;

    private final CoreSettings settings;
    private final DataTree tree;
    private final SessionTable sessions;
    private final TxnApplier applier;
    private final ReadOps reads;
    private final StreamTable streams;
    private long lastAppliedIndex;
    private long lastZxid;

    public CoordinatorState(CoreSettings settings) {
        this(settings, DataTree.withSystemNodes(), new SessionTable(), new StreamTable(), 0, 0);
    }

    private CoordinatorState(CoreSettings settings, DataTree tree, SessionTable sessions, StreamTable streams,
                             long index, long zxid) {
        this.settings = settings == null ? CoreSettings.defaults() : settings;
        this.tree = tree;
        this.sessions = sessions;
        this.streams = streams;
        this.applier = new TxnApplier(tree, sessions, this.settings);
        this.reads = new ReadOps(tree, this.settings);
        this.lastAppliedIndex = index;
        this.lastZxid = zxid;
    }

    /** The zxid of the txn at {@code position} (0-based) in the entry at {@code logIndex}. */
    public static long zxid(long logIndex, int position) {
        return (logIndex << 16) | (position + 1);
    }

    /**
     * Applies one committed log entry. ZooKeeper errors are outcomes, never exceptions.
     *
     * @throws IllegalArgumentException when the index does not advance or the batch has too many txns (a
     *                                  caller bug: nothing is applied)
     */
    public ApplyResult apply(long logIndex, Batch batch) {
        return apply(logIndex, batch, outcome -> { });
    }

    /**
     * Applies one committed log entry and hands each transaction's outcome to {@code afterEach} as soon as that
     * transaction is applied, before the next one is: what the caller does there (answer the write, run the reads
     * its session queued behind it) sees the state between the two, as if each transaction had an entry of its
     * own. {@code afterEach} must not throw; the entry is applied in full regardless of what it does.
     *
     * @throws IllegalArgumentException as {@link #apply(long, Batch)}
     */
    public ApplyResult apply(long logIndex, Batch batch, Consumer<TxnOutcome> afterEach) {
        if (logIndex <= lastAppliedIndex) {
            throw new IllegalArgumentException("log index " + logIndex + " <= last applied " + lastAppliedIndex);
        }
        if (batch.txns().size() > MAX_TXNS_PER_BATCH) {
            throw new IllegalArgumentException("too many txns in one entry: " + batch.txns().size());
        }
        List<TxnOutcome> outcomes = new ArrayList<>(batch.txns().size());
        if (batch.runs().isEmpty()) {
            for (int position = 0; position < batch.txns().size(); position++) {
                applyTxn(batch, logIndex, position, outcomes, afterEach);
            }
            lastAppliedIndex = logIndex;
            return new ApplyResult(logIndex, List.copyOf(outcomes), List.of());
        }
        List<RunVerdict> verdicts = new ArrayList<>(batch.runs().size());
        int position = 0;
        for (Run run : batch.runs()) {
            RunVerdict verdict = streams.admit(run);
            verdicts.add(verdict);
            if (verdict.decision() == RunVerdict.Decision.ADMITTED) {
                for (int i = 0; i < run.count(); i++) {
                    applyTxn(batch, logIndex, position + i, outcomes, afterEach);
                }
            }
            position += run.count();   // a skipped transaction keeps its position: zxids stay a function of it
        }
        lastAppliedIndex = logIndex;
        return new ApplyResult(logIndex, List.copyOf(outcomes), List.copyOf(verdicts));
    }

    private void applyTxn(Batch batch, long logIndex, int position, List<TxnOutcome> outcomes,
                          Consumer<TxnOutcome> afterEach) {
        long zxid = zxid(logIndex, position);
        TxnOutcome outcome = applier.apply(batch.txns().get(position), zxid, batch.timeMillis(),
                batch.enforceQuota());
        outcomes.add(outcome);
        lastZxid = zxid;
        afterEach.accept(outcome);
    }

    /**
     * Where {@code origin}'s stream stands: {@code {stream, last applied sequence number}}, or null if that node
     * never proposed a run.
     */
    public long[] streamPosition(int origin) {
        StreamTable.Position p = streams.position(origin);
        return p == null ? null : new long[] {p.stream(), p.lastSeq()};
    }

    /**
     * Serves a read-only request from local state with ZooKeeper's ACL checks: exists, getData, getChildren,
     * getChildren2, getACL, getAllChildrenNumber, getEphemerals, multiRead, whoAmI (request may be null), sync.
     * When the request asks for a watch and ZooKeeper would set one, the outcome says which; the caller registers
     * it before releasing its read lock, so no change can slip between the read and the registration.
     */
    public ReadOutcome read(long sessionId, List<Id> identities, int opCode, Record request) {
        return reads.read(sessionId, identities, opCode, request);
    }

    /** The session, or null if there is no such live session. */
    public SessionInfo session(long sessionId) {
        SessionTable.Session s = sessions.get(sessionId);
        return s == null ? null : info(s);
    }

    private SessionInfo info(SessionTable.Session s) {
        return new SessionInfo(s.id(), s.timeoutMillis(), s.password(), tree.ephemerals(s.id()).size(), s.owner());
    }

    public Collection<SessionInfo> sessions() {
        List<SessionInfo> out = new ArrayList<>(sessions.size());
        for (SessionTable.Session s : sessions.all()) {
            out.add(info(s));
        }
        return out;
    }

    /** Index of the last applied log entry (0 before any). */
    public long lastAppliedIndex() {
        return lastAppliedIndex;
    }

    /** The last zxid assigned; only grows. */
    public long lastZxid() {
        return lastZxid;
    }

    public TreeStats stats() {
        return new TreeStats(tree.size(), tree.ephemeralCount(), tree.approximateDataSize());
    }

    /** Data watches and exists-watches resolution for setWatches needs the tree: a read-only view. */
    /** A copy of the node's data, or null if the node does not exist or has none. */
    public byte[] data(String path) {
        DataNode n = tree.get(path);
        return n == null || n.data() == null ? null : n.data().clone();
    }

    public TreeView view() {
        return path -> {
            DataNode n = tree.get(path);
            return n == null ? null : n.stat();
        };
    }

    /**
     * Container nodes that are empty and have had children, and TTL nodes without children whose TTL has passed
     * at {@code nowMillis}; at most {@code max}. The leader proposes a REAP of them; apply checks again.
     */
    public List<String> reapCandidates(long nowMillis, int max) {
        List<String> out = new ArrayList<>();
        for (Collection<String> set : List.of(tree.containers(), tree.ttls())) {
            for (String p : set) {
                if (out.size() >= max) {
                    return out;
                }
                if (TxnApplier.isReapable(tree.get(p), nowMillis)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * The tree's incremental digest (ZooKeeper-style: a sum of per-node hashes, O(1) to read). Equal on replicas
     * that applied the same entries; compared across a cluster together with {@link #lastZxid()}.
     */
    public long treeDigest() {
        return tree.digest();
    }

    /** A digest of the tree and sessions, equal on replicas that applied the same entries. O(state size). */
    public long digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            DataOutputStream out = new DataOutputStream(new OutputStream() {
                @Override
                public void write(int b) {
                    md.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    md.update(b, off, len);
                }
            });
            SnapshotFormat.writeState(out, tree, sessions);
            out.flush();
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("digest failed", e);
        }
    }

    /**
     * Checks the structural invariants (children/numChildren, ephemeral owners are live sessions, indexes, no
     * zxid beyond lastZxid, system nodes present).
     *
     * @throws IllegalStateException listing the violations
     */
    public void checkInvariants() {
        List<String> v = Invariants.violations(tree, sessions, lastZxid);
        if (!v.isEmpty()) {
            throw new IllegalStateException("state invariants violated: " + v);
        }
    }

    /**
     * The state as of now, to be written later (possibly on another thread, while apply goes on) with
     * {@link SnapshotImage#writeTo}. O(nodes) reference copies, no data bytes: cheap enough to run on the apply
     * thread. A read: the caller holds its read lock (or otherwise excludes apply).
     */
    public SnapshotImage captureSnapshot() {
        return new SnapshotImage(lastAppliedIndex, lastZxid, sessions.all(), tree.capture(), streams.copy());
    }

    /** Writes a snapshot of the state as of now: {@code captureSnapshot().writeTo(out)}. */
    public void writeSnapshot(DataOutputStream out) throws IOException {
        captureSnapshot().writeTo(out);
    }

    /** @throws IOException on a truncated, foreign or inconsistent snapshot */
    public static CoordinatorState readSnapshot(DataInputStream in, CoreSettings settings) throws IOException {
        SnapshotFormat.Loaded l;
        try {
            l = SnapshotFormat.read(in);
        } catch (IllegalArgumentException e) {
            throw new IOException("corrupt snapshot", e);
        }
        CoordinatorState state = new CoordinatorState(settings, l.tree(), l.sessions(), l.streams(),
                l.lastIndex(), l.lastZxid());
        List<String> v = Invariants.violations(l.tree(), l.sessions(), l.lastZxid());
        if (!v.isEmpty()) {
            throw new IOException("inconsistent snapshot: " + v);
        }
        return state;
    }
}
