package io.canopy.node.replication;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.RunVerdict;
import io.canopy.core.txn.BatchCodec;

/**
 * Adapter between Ratis and the server's {@link StateMachineApplier}. It moves opaque entries and never
 * interprets ZooKeeper operations. Ratis calls {@link #applyTransaction} serially, in log order, on one thread;
 * {@link #takeSnapshot} runs on that same thread with applies paused, so it only captures the state and leaves
 * the writing to the {@link SnapshotWriter}'s thread: applies continue while a snapshot is written.
 */
final class CanopyStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(CanopyStateMachine.class);
    private static final long SNAPSHOT_REQUEST_TIMEOUT_MS = 30_000;

    private final SnapshotStorage storage = new SnapshotStorage();
    private final StateMachineApplier applier;
    private final AppliedIndexWaiter appliedWaiter;
    /** Told of the verdicts on every applied entry's runs (the batcher), on the apply thread. */
    private final Consumer<List<RunVerdict>> runsApplied;
    /**
     * Told, on the apply thread, of the Ratis client id and call id of every entry whose apply begins (committed):
     * the entries this node submitted as leader are known by them.
     */
    private final ObjLongConsumer<ByteString> entryCommitted;
    private final Clock clock;
    private final Consumer<Boolean> leadership;
    /** Told of every leader this member learns of (null: none known), on Ratis's thread: must not block. */
    private final Consumer<RaftPeerId> leaderChanged;
    private final Runnable membershipChanged;
    /** True once the node has begun to stop: Ratis then shuts the member down as asked, not because it was removed. */
    private final BooleanSupplier stopping;
    private final SnapshotWriter snapshots;
    /** Set in {@link #initialize}: frees purged log segments off Ratis's log worker. */
    private volatile SegmentReclaimer reclaimer;
    private final boolean enforceQuota;
    /** When a snapshot is due by entry count (apply thread). */
    private final SnapshotSchedule schedule;
    private final LogBytesTrigger bytesTrigger;
    private final ClientId snapshotClientId = ClientId.randomId();
    private final AtomicLong snapshotCallIds = new AtomicLong();
    /** Sizes of the entries this node proposed while leading (ZooKeeper's proposal sizes in mntr and srvr). */
    private final EntrySizes proposedSizes = new EntrySizes();
    /** Set when apply threw: the state may be half-changed and must never be snapshotted. */
    private volatile boolean applyFailed;

    CanopyStateMachine(StateMachineApplier applier, AppliedIndexWaiter appliedWaiter,
                       Consumer<List<RunVerdict>> runsApplied, ObjLongConsumer<ByteString> entryCommitted, Clock clock,
                       Consumer<Boolean> leadership, Consumer<RaftPeerId> leaderChanged,
                       Runnable membershipChanged, BooleanSupplier stopping, int retainedSnapshots,
                       boolean enforceQuota, SnapshotSchedule schedule, long logBytesThreshold) {
        this.enforceQuota = enforceQuota;
        this.schedule = schedule;
        this.bytesTrigger = new LogBytesTrigger(logBytesThreshold);
        this.applier = applier;
        this.appliedWaiter = appliedWaiter;
        this.runsApplied = runsApplied;
        this.entryCommitted = entryCommitted;
        this.clock = clock;
        this.leadership = leadership;
        this.leaderChanged = leaderChanged;
        this.membershipChanged = membershipChanged;
        this.stopping = stopping;
        this.snapshots = new SnapshotWriter(storage, retainedSnapshots);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        SnapshotWriter.deleteStaleTemporaryFiles(raftStorage.getStorageDir().getStateMachineDir().toPath());
        reclaimer = new SegmentReclaimer(raftStorage.getStorageDir().getCurrentDir().toPath(),
                Duration.ofSeconds(1));
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
        bytesTrigger.reset();
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
        // Stamped in the request's own array (a batch of runs is stamped in place): once submitted, the request is
        // Ratis's to answer and this method's to turn into an entry, and nothing else reads its content (this
        // node's batcher made the array for this one submission; a request from the network was parsed into it).
        byte[] entry = ByteStrings.array(request.getMessage().getContent());
        byte[] stamped;
        try {
            stamped = BatchCodec.stamp(entry, clock.millis(), enforceQuota);
        } catch (IllegalArgumentException e) {
            throw new IOException("rejected a malformed log entry: " + e.getMessage(), e);
        }
        proposedSizes.record(stamped.length);
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(stamped))
                .build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        StateMachineLogEntryProto logEntry = entry.getStateMachineLogEntry();
        entryCommitted.accept(logEntry.getClientId(), logEntry.getCallId());
        // An exception here is unrecoverable by Ratis's contract (the server shuts down): the applier turns every
        // ZooKeeper error into an outcome, so only a real bug or corrupted entry can get here.
        StateMachineApplier.Applied applied;
        try {
            applied = applier.apply(index, ByteStrings.array(logEntry.getLogData()));
        } catch (RuntimeException | Error e) {
            applyFailed = true;
            throw e;
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        appliedWaiter.advanceTo(index);
        if (!applied.verdicts().isEmpty()) {
            runsApplied.accept(applied.verdicts());
        }
        byte[] answer = applied.answer();
        if (bytesTrigger.enabled()) {
            bytesTrigger.applied(entry.getSerializedSize());
            askForSnapshotIfDue(index);
        }
        return CompletableFuture.completedFuture(answer.length == 0 ? Message.EMPTY
                : Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    }

    /**
     * Apply thread, byte trigger on: asks Ratis for a snapshot (a request, sent from the trigger's thread) when the
     * bytes since the last snapshot reached the threshold, or when a snapshot became durable that Ratis would not
     * ask about by itself (its own trigger counts entries from the last index it was told of, so a snapshot taken
     * for bytes would otherwise be reported, and the log purged, only when its count of entries comes round).
     */
    private void askForSnapshotIfDue(long index) {
        boolean ratisWouldAsk = index - snapshots.reportedIndex() >= schedule.floor();
        if (snapshots.hasNewlyDurable() && !ratisWouldAsk) {
            bytesTrigger.request(this::sendSnapshotRequest, "report the snapshot taken for log bytes");
        } else if (!applyFailed && snapshots.mayStart() && bytesTrigger.due(snapshots.durableIndex())) {
            bytesTrigger.request(this::sendSnapshotRequest, "log bytes since the last snapshot reached the threshold");
        }
    }

    /**
     * Trigger thread: Ratis's own API for an operator's "take a snapshot now". It queues the request for its apply
     * thread, which calls {@link #takeSnapshot} at its next turn (within 100 ms when idle), and completes once that
     * call returned. Creation gap 1: Ratis answers without calling {@code takeSnapshot} if nothing was applied
     * since its latest snapshot (a report then waits for the next entry).
     */
    private CompletableFuture<RaftClientReply> sendSnapshotRequest() {
        RaftServer server = getServer().getNow(null);
        if (server == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not initialized"));
        }
        return server.snapshotManagementAsync(SnapshotManagementRequest.newCreate(snapshotClientId, getId(),
                getGroupId(), snapshotCallIds.incrementAndGet(), SNAPSHOT_REQUEST_TIMEOUT_MS, 1));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Configuration and metadata entries: nothing to apply, but the applied index moves on.
        super.notifyTermIndexUpdated(term, index);
        appliedWaiter.advanceTo(index);
    }

    /**
     * The catch-up watchdog's probe lands here (a linearizable read answered with the applied index); session
     * activity reports land here on the leader (non-linearizable reads are answered by the leader).
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
     * Ratis asks after every apply once the log has grown by {@link SnapshotSchedule#floor()} entries since the last
     * snapshot it was told of, and when {@link #askForSnapshotIfDue} asked it to; it purges its log up to the index
     * returned. So: capture the state (cheap) and let the writer thread write it; answer the index of a snapshot
     * only once it is durable, and -1 ("none new") meanwhile, which Ratis neither logs nor acts on. A capture starts
     * only when one of the two triggers holds (the schedule's count of entries, drawn again at each capture, or log
     * bytes): a request that only reports a durable snapshot, and finds it already reported, must not start another
     * (nor do other callers: Ratis on stop, where {@link #close} writes the final snapshot, or an operator's
     * request). The state and {@link #getLastAppliedTermIndex()} agree here because both only move on this thread.
     */
    @Override
    public long takeSnapshot() {
        long newlyDurable = snapshots.takeNewlyDurable();
        if (newlyDurable >= 0) {
            linkSegmentsBeforePurge();
            return newlyDurable; // Ratis purges behind it, recomputes the gap and asks again if still too large
        }
        TermIndex last = getLastAppliedTermIndex();
        if (!applyFailed && last != null && last.getIndex() > snapshots.durableIndex() && snapshots.mayStart()
                && (last.getIndex() - snapshots.reportedIndex() >= schedule.current()
                        || bytesTrigger.due(snapshots.durableIndex()))) {
            long started = System.nanoTime();
            CapturedSnapshot image = applier.captureSnapshot();
            bytesTrigger.captured(last.getIndex());
            schedule.roll();
            snapshots.writeInBackground(last, image, System.nanoTime() - started);
        }
        return RaftLog.INVALID_LOG_INDEX;
    }

    /** Ratis purges its log once told of a snapshot: the segments it may delete get their second link first. */
    private void linkSegmentsBeforePurge() {
        SegmentReclaimer r = reclaimer;
        if (r == null) {
            return;
        }
        try {
            r.linkClosedSegments();
        } catch (IOException e) {
            log.warn("Could not link the log segments before Ratis purges them (it then frees them on its log"
                    + " worker): {}", e.toString());
        }
    }

    SegmentReclaimer reclaimer() {
        return reclaimer;
    }

    /** The sizes of the entries this node appended while it led, since it last became leader. */
    EntrySizes proposedSizes() {
        return proposedSizes;
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        log.info("Leader of {} is now {}", groupMemberId.getGroupId(), newLeaderId);
        leaderChanged.accept(newLeaderId);
        if (!groupMemberId.getPeerId().equals(newLeaderId)) {
            leadership.accept(false);
        } else {
            proposedSizes.reset();
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
     * Ratis shut this member down: either the node is stopping, or the member found itself outside the
     * configuration (it was removed), or Ratis stopped it on an error of its own, and then the node stays up but
     * must stop serving clients.
     */
    @Override
    public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
        if (stopping.getAsBoolean()) {
            log.debug("Raft member closed (role {}): the node is stopping", roleInfo.getRole());
            leadership.accept(false);
            return;
        }
        log.warn("Ratis shut this member down (role {}): it was removed from the Raft configuration, or Ratis"
                + " stopped it (see the lines above); this node serves no client until it is restarted",
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
            closeReclaimer();
            bytesTrigger.close();
            snapshots.close();
            appliedWaiter.close();
            super.close();
        }
    }

    private void closeReclaimer() {
        SegmentReclaimer r = reclaimer;
        if (r != null) {
            r.close();
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
