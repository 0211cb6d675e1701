package io.canopy.node.replication;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.BatchCodec;

/**
 * Adapter between Ratis and the server's {@link StateMachineApplier}. It moves opaque entries and never
 * interprets ZooKeeper operations. Ratis calls {@link #applyTransaction} serially, in log order, on one thread;
 * {@link #takeSnapshot} runs on that same thread with applies paused, so it only captures the state and leaves
 * the writing to the {@link SnapshotWriter}'s thread: applies continue while a snapshot is written.
 */
final class CanopyStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(CanopyStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final StateMachineApplier applier;
    private final AppliedIndexWaiter appliedWaiter;
    private final Clock clock;
    private final Consumer<Boolean> leadership;
    private final Runnable membershipChanged;
    private final SnapshotWriter snapshots;
    private final boolean enforceQuota;
    /** Set when apply threw: the state may be half-changed and must never be snapshotted. */
    private volatile boolean applyFailed;

    CanopyStateMachine(StateMachineApplier applier, AppliedIndexWaiter appliedWaiter, Clock clock,
                       Consumer<Boolean> leadership, Runnable membershipChanged, int retainedSnapshots,
                       boolean enforceQuota) {
        this.enforceQuota = enforceQuota;
        this.applier = applier;
        this.appliedWaiter = appliedWaiter;
        this.clock = clock;
        this.leadership = leadership;
        this.membershipChanged = membershipChanged;
        this.snapshots = new SnapshotWriter(storage, retainedSnapshots);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        SnapshotWriter.deleteStaleTemporaryFiles(raftStorage.getStorageDir().getStateMachineDir().toPath());
        getLifeCycle().startAndTransition(this::loadLatestSnapshot);
    }

    /**
     * Ratis pauses the state machine before it installs a snapshot sent by the leader, and checks that it is
     * PAUSED before {@link #reinitialize}. BaseStateMachine's pause does nothing in 3.3.0, so the installation
     * would fail and close this member: the life cycle is moved here.
     */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        try {
            snapshots.awaitIdle();   // no background snapshot write may race with the installed files
        } catch (IOException e) {
            log.warn("Waiting for the background snapshot before installing the leader's failed: {}", e.toString());
        }
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        // A snapshot was installed from the leader: replace the whole state with it.
        snapshots.awaitIdle();
        getLifeCycle().startAndTransition(this::loadLatestSnapshot);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            log.info("No snapshot found: starting from an empty tree and replaying the log");
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        MD5Hash expected = snapshot.getFile().getFileDigest();
        if (expected != null) {
            MD5FileUtil.verifySavedMD5(file, expected);
        }
        long started = System.nanoTime();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 1 << 16)) {
            applier.restoreSnapshot(in);
        }
        setLastAppliedTermIndex(snapshot.getTermIndex());
        snapshots.recovered(snapshot.getIndex());
        appliedWaiter.advanceTo(snapshot.getIndex());
        log.info("Loaded snapshot {} ({} bytes, last applied index {}) in {} ms", file.getName(), file.length(),
                snapshot.getIndex(), (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * On the leader, before the entry is appended: stamp the leader's wall-clock time and its quota enforcement
     * setting into the batch, so that every replica, and every replay, applies the entry alike.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        byte[] entry = request.getMessage().getContent().toByteArray();
        byte[] stamped;
        try {
            stamped = BatchCodec.stamp(entry, clock.millis(), enforceQuota);
        } catch (IllegalArgumentException e) {
            throw new IOException("rejected a malformed log entry: " + e.getMessage(), e);
        }
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(stamped))
                .build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        // An exception here is unrecoverable by Ratis's contract (the server shuts down): the applier turns every
        // ZooKeeper error into an outcome, so only a real bug or corrupted entry can get here.
        try {
            applier.apply(index, entry.getStateMachineLogEntry().getLogData().toByteArray());
        } catch (RuntimeException | Error e) {
            applyFailed = true;
            throw e;
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        appliedWaiter.advanceTo(index);
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Configuration and metadata entries: nothing to apply, but the applied index moves on.
        super.notifyTermIndexUpdated(term, index);
        appliedWaiter.advanceTo(index);
    }

    /**
     * The catch-up watchdog's probe lands here (a linearizable read answered with the applied index); followers'
     * session activity reports land here on the leader (non-linearizable reads are answered by the leader).
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        if (CatchUpWatchdog.isProbe(request.getContent())) {
            TermIndex applied = getLastAppliedTermIndex();
            return CompletableFuture.completedFuture(CatchUpWatchdog.probeAnswer(applied == null ? -1
                    : applied.getIndex()));
        }
        if (ActivityReport.isReport(request.getContent())) {
            try {
                applier.sessionsActiveElsewhere(ActivityReport.decode(request.getContent()));
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /**
     * Ratis asks after every apply while the log has grown past the threshold since the last snapshot it was told
     * of, and purges its log up to the index returned. So: capture the state (cheap) and let the writer thread
     * write it; answer the index of a snapshot only once it is durable, and -1 ("none new") meanwhile, which
     * Ratis neither logs nor acts on. The state and {@link #getLastAppliedTermIndex()} agree here because both
     * only move on this thread.
     */
    @Override
    public long takeSnapshot() {
        long newlyDurable = snapshots.takeNewlyDurable();
        if (newlyDurable >= 0) {
            return newlyDurable; // Ratis recomputes the gap from here and asks again if it is still too large
        }
        TermIndex last = getLastAppliedTermIndex();
        if (!applyFailed && last != null && last.getIndex() > snapshots.durableIndex() && snapshots.mayStart()) {
            long started = System.nanoTime();
            CapturedSnapshot image = applier.captureSnapshot();
            snapshots.writeInBackground(last, image, System.nanoTime() - started);
        }
        return RaftLog.INVALID_LOG_INDEX;
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        log.info("Leader of {} is now {}", groupMemberId.getGroupId(), newLeaderId);
        if (!groupMemberId.getPeerId().equals(newLeaderId)) {
            leadership.accept(false);
        }
    }

    /** This node leads and has committed an entry of its term: it may run the leader duties. */
    @Override
    public void notifyLeaderReady() {
        leadership.accept(true);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        leadership.accept(false);
    }

    /** A configuration entry was applied (on every member, also when the log is replayed at start-up). */
    @Override
    public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto newRaftConfiguration) {
        membershipChanged.run();
    }

    /**
     * Ratis shut this member down: it found itself outside the configuration (it was removed). The node stays up
     * but must stop serving clients.
     */
    @Override
    public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
        log.warn("Ratis shut this member down (role {}): it is no longer in the Raft configuration",
                roleInfo.getRole());
        leadership.accept(false);
        membershipChanged.run();
    }

    /**
     * Ratis closes the state machine after the last apply (having asked for a snapshot on the way out): the
     * snapshot of the final state must be on disk before this returns, so wait for the background write and
     * write what it does not cover here.
     */
    @Override
    public void close() throws IOException {
        try {
            finishSnapshots();
        } finally {
            snapshots.close();
            appliedWaiter.close();
            super.close();
        }
    }

    private void finishSnapshots() throws IOException {
        snapshots.awaitIdle();
        TermIndex last = getLastAppliedTermIndex();
        if (applyFailed || last == null || last.getIndex() <= snapshots.durableIndex()) {
            return;
        }
        long started = System.nanoTime();
        CapturedSnapshot image = applier.captureSnapshot();
        try {
            snapshots.writeNow(last, image, System.nanoTime() - started);
        } catch (IOException | RuntimeException e) {
            log.error("Final snapshot at index {} failed; the next start replays the log from index {}: {}",
                    last.getIndex(), snapshots.durableIndex(), e.toString(), e);
        }
    }
}
