package io.canopy.node.replication;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.BatchCodec;

/**
 * Adapter between Ratis and the server's {@link StateMachineApplier}. It moves opaque entries and never
 * interprets ZooKeeper operations. Ratis calls {@link #applyTransaction} serially, in log order, on one thread;
 * {@link #takeSnapshot} runs on that same thread with applies paused.
 */
final class CanopyStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(CanopyStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final StateMachineApplier applier;
    private final AppliedIndexWaiter appliedWaiter;
    private final Clock clock;
    private final Consumer<Boolean> leadership;

    CanopyStateMachine(StateMachineApplier applier, AppliedIndexWaiter appliedWaiter, Clock clock,
                       Consumer<Boolean> leadership) {
        this.applier = applier;
        this.appliedWaiter = appliedWaiter;
        this.clock = clock;
        this.leadership = leadership;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        // A snapshot was installed from the leader: replace the whole state with it.
        loadLatestSnapshot();
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
        appliedWaiter.advanceTo(snapshot.getIndex());
        log.info("Loaded snapshot {} ({} bytes, last applied index {}) in {} ms", file.getName(), file.length(),
                snapshot.getIndex(), (System.nanoTime() - started) / 1_000_000);
    }

    /** On the leader, before the entry is appended: stamp the leader's wall-clock time into the batch. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        byte[] entry = request.getMessage().getContent().toByteArray();
        byte[] stamped;
        try {
            stamped = BatchCodec.withTime(entry, clock.millis());
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
        applier.apply(index, entry.getStateMachineLogEntry().getLogData().toByteArray());
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

    /** Linearizable reads (sync) land here after Ratis confirmed the read index and applied up to it. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog_INVALID;
        }
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
        long started = System.nanoTime();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
            applier.writeSnapshot(out);
            out.flush();
            ch.force(true);
        }
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        // The .md5 file is the commit marker: Ratis only picks snapshots that have one.
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        log.info("Took snapshot {} ({} bytes) in {} ms", target.getName(), target.length(),
                (System.nanoTime() - started) / 1_000_000);
        return last.getIndex();
    }

    private static final long RaftLog_INVALID = -1;

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

    @Override
    public void close() throws IOException {
        appliedWaiter.close();
        super.close();
    }
}
