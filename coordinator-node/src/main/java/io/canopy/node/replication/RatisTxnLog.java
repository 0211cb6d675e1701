package io.canopy.node.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.Txn;

/**
 * The consensus log on Apache Ratis (gRPC transport). A single node is a one-member Raft group; a cluster only
 * adds members. Writes are batched ({@link TxnBatcher}) and submitted in-process when this node leads (no gRPC
 * hop), through a Ratis client otherwise. A write's future completes only once its entry is applied here, so
 * the server's reply always follows its own apply (read-your-writes on every node).
 */
public final class RatisTxnLog implements TxnLog, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisTxnLog.class);

    private final ReplicationSettings settings;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    private final Clock clock;
    private final AppliedIndexWaiter applied = new AppliedIndexWaiter();
    private final TxnBatcher batcher;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicBoolean leaderReady = new AtomicBoolean();

    private volatile StateMachineApplier applier;
    private volatile RaftServer server;
    private volatile RaftClient remoteClient;
    private volatile CatchUpWatchdog watchdog;

    /** The applier is bound at {@link #start}: the server that implements it also proposes through this log. */
    public RatisTxnLog(ReplicationSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.selfId = peerId(settings.nodeId());
        this.group = RaftGroup.valueOf(groupId(settings.clusterName()),
                settings.members().stream().map(RatisTxnLog::peer).toList());
        this.batcher = new TxnBatcher(this::submitEntry, clock, settings.batchMaxOps(), settings.batchMaxBytes(),
                settings.maxInFlightBatches());
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("n" + nodeId);
    }

    /** Fixed per cluster name: a random group id would start an empty group on every restart. */
    static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("canopy:" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    private static RaftPeer peer(ReplicationSettings.Member m) {
        return RaftPeer.newBuilder().setId(peerId(m.id())).setAddress(m.peerAddress()).build();
    }

    /** Recovers the log and latest snapshot into {@code applier}, then joins the group. */
    public void start(StateMachineApplier applier) throws IOException {
        this.applier = applier;
        RaftProperties properties = raftProperties(settings);
        server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setStateMachine(new CanopyStateMachine(applier, applied, clock, this::onLeadership,
                        settings.snapshotRetention()))
                .setProperties(properties)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        if (settings.members().size() > 1) {
            watchdog = new CatchUpWatchdog(settings.nodeId(), settings.members().stream()
                    .map(ReplicationSettings.Member::id).toList(), this::leaderNodeId, this::logNextIndex,
                    remoteClient(), settings.electionTimeoutMax().multipliedBy(2), Duration.ofMinutes(2));
            watchdog.start();
        }
        log.info("Raft member {} of group {} started: peers {}, log and snapshots in {}", selfId,
                group.getGroupId(), settings.members(), settings.raftDir());
    }

    /** Every Ratis setting Canopy relies on, set explicitly. */
    static RaftProperties raftProperties(ReplicationSettings s) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, s.peerBindAddress());
        GrpcConfigKeys.Server.setPort(p, s.self().peerPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(s.raftDir().toFile()));

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(s.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(s.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(s.requestTimeout()));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(s.requestTimeout()));

        // Reads are served from local state; Ratis's ReadIndex is used only for sync.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(p, millis(s.requestTimeout()));

        // Durability: an entry counts only once fsynced (never the unsafe flush).
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("4MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.logSegmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(4L << 20, s.logSegmentBytes())));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, s.logRetention());

        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, s.snapshotRetention());
        // Must outlive a client's whole retry horizon for exactly-once retries.
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(
                Math.max(60_000, 3 * s.requestTimeout().toMillis()), TimeUnit.MILLISECONDS));
        return p;
    }

    private static TimeDuration millis(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Void> propose(Txn txn) {
        return batcher.submit(txn);
    }

    /** Sends one encoded batch; completes with its log index once it is applied on this node. */
    private CompletableFuture<Long> submitEntry(byte[] entry) {
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
        CompletableFuture<RaftClientReply> reply;
        if (isLeader()) {
            reply = submitLocally(message, RaftClientRequest.writeRequestType());
        } else {
            reply = remoteClient().async().send(message);
        }
        return reply.thenCompose(this::appliedHere)
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<RaftClientReply> submitLocally(Message message, RaftClientRequest.Type type) {
        RaftServer s = server;
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("replication is not started"));
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(selfId)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(message)
                .setType(type)
                .build();
        try {
            return s.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Long> appliedHere(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            Exception e = reply.getException();
            return CompletableFuture.failedFuture(e != null ? e : new IOException("write failed: " + reply));
        }
        long index = reply.getLogIndex();
        return applied.await(index).thenApply(v -> index);
    }

    /**
     * Raft ReadIndex through the local server: the read index is confirmed by a quorum (on a follower, asked of
     * the leader), then this node's state machine applies up to it before the reply. Unlike ZooKeeper's sync, a
     * deposed leader cannot answer it from stale state (ZOOKEEPER-1675).
     */
    @Override
    public CompletableFuture<Void> sync() {
        return submitLocally(Message.EMPTY, RaftClientRequest.readRequestType())
                .thenCompose(reply -> reply.isSuccess()
                        ? CompletableFuture.<Void>completedFuture(null)
                        : CompletableFuture.<Void>failedFuture(reply.getException()))
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Void> reportSessionActivity(long[] sessionIds) {
        return remoteClient().async().sendReadOnlyNonLinearizable(ActivityReport.encode(sessionIds))
                .thenCompose(reply -> reply.isSuccess()
                        ? CompletableFuture.<Void>completedFuture(null)
                        : CompletableFuture.<Void>failedFuture(reply.getException()))
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isLeader() {
        RaftServer s = server;
        if (s == null) {
            return false;
        }
        try {
            return s.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A leader serves (Ratis steps a leader down once a majority has not answered it for an election timeout);
     * a follower or listener serves while it knows the leader and heard from it within the longest election
     * timeout; a candidate, a member not (yet) in the configuration and a closed member do not.
     */
    @Override
    public boolean isServing() {
        RaftServer s = server;
        if (s == null) {
            return false;
        }
        try {
            RaftServer.Division d = s.getDivision(group.getGroupId());
            if (!d.getInfo().isAlive()) {
                return false;
            }
            RoleInfoProto role = d.getInfo().getRoleInfoProto();
            return switch (role.getRole()) {
                case LEADER -> true;
                case FOLLOWER, LISTENER -> d.getInfo().getLeaderId() != null && role.hasFollowerInfo()
                        && role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs()
                        <= settings.electionTimeoutMax().toMillis();
                default -> false;
            };
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public String mode() {
        return settings.members().size() == 1 ? "standalone" : TxnLog.super.mode();
    }

    @Override
    public String membershipConfig() {
        return settings.members().size() == 1 ? null : MembershipConfig.render(settings.members(), 1);
    }

    /** Whether this node leads and has committed an entry of its term (Ratis's "leader ready"). */
    public boolean isLeaderReady() {
        return leaderReady.get();
    }

    /** The current leader's node id as Ratis sees it, or -1 if none is known. */
    public int leaderNodeId() {
        RaftServer s = server;
        if (s == null) {
            return -1;
        }
        try {
            RaftPeerId leader = s.getDivision(group.getGroupId()).getInfo().getLeaderId();
            return leader == null ? -1 : Integer.parseInt(leader.toString().substring(1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The next index this member needs: past its log's end and past what a snapshot brought it. */
    private long logNextIndex() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            return Math.max(d.getRaftLog().getNextIndex(), d.getInfo().getLastAppliedIndex() + 1);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Waits until the group has a leader that has committed an entry of its term, or the timeout passes. */
    public boolean awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (leaderNodeId() >= 0 && (leaderReady.get() || !isLeader())) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Override
    public int nodeId() {
        return settings.nodeId();
    }

    public long entriesSubmitted() {
        return batcher.entriesSubmitted();
    }

    public long txnsSubmitted() {
        return batcher.txnsSubmitted();
    }

    public int queuedTxns() {
        return batcher.queued();
    }

    private void onLeadership(boolean leader) {
        if (leaderReady.getAndSet(leader) != leader) {
            log.info(leader ? "This node now leads: running session expiry and clean-up"
                    : "This node no longer leads");
            applier.leadershipChanged(leader);
        }
    }

    private RaftClient remoteClient() {
        RaftClient c = remoteClient;
        if (c == null) {
            synchronized (this) {
                c = remoteClient;
                if (c == null) {
                    long attempts = Math.max(1, settings.requestTimeout().toMillis() / 100);
                    c = RaftClient.newBuilder()
                            .setRaftGroup(group)
                            .setProperties(raftProperties(settings))
                            .setClientId(ClientId.randomId())
                            // Bounded: without a majority a write must fail within the request timeout.
                            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                                    (int) attempts, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                            .build();
                    remoteClient = c;
                }
            }
        }
        return c;
    }

    @Override
    public void close() throws IOException {
        CatchUpWatchdog w = watchdog;
        if (w != null) {
            w.close();
        }
        batcher.close();
        RaftClient c = remoteClient;
        if (c != null) {
            c.close();
        }
        RaftServer s = server;
        if (s != null) {
            // Ratis takes a snapshot on stop (Snapshot.triggerWhenStop), so the next start replays little.
            s.close();
        }
        applied.close();
    }
}
