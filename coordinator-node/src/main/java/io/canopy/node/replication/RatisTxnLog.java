package io.canopy.node.replication;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * The consensus log on Apache Ratis (gRPC transport). A single node is a one-member Raft group; a cluster only
 * adds members. Writes are batched ({@link TxnBatcher}): the leader submits in-process (no gRPC hop) entries
 * that hold its own run of transactions and the runs its followers forwarded to it ({@link ForwardStream}).
 * A write's future completes only once its run is applied here, so the server's reply always follows its own
 * apply (read-your-writes on every node).
 *
 * <p><b>Membership.</b> The static member list only seeds a new group; from then on the Raft configuration stored
 * in the log rules (Ratis's RECOVER start-up reads it back), and everything derived from the membership at run
 * time asks the division's current configuration: {@link #mode()}, {@link #members()}, {@link #isMember()}, the
 * catch-up watchdog's hand-over targets. A joining node starts with the group id and no peers, so that Ratis
 * starts it outside the configuration, waiting for a leader to add it (starting it with the full list could
 * make it campaign and be told to shut down). Observers are Ratis listeners: they receive and apply the log but
 * do not vote. {@link RatisMembership} reads and changes the configuration, {@link RatisClients} holds the
 * leader and admin clients, {@link RatisConfig} every Ratis setting.
 */
public final class RatisTxnLog implements TxnLog, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisTxnLog.class);
    /**
     * Runs a follower may have awaiting their verdict: one in the leader's entry being replicated, one filling
     * the leader's next entry; what arrives meanwhile waits here and leaves as one run.
     */
    static final int FORWARD_WINDOW = 2;

    private final ReplicationSettings settings;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    private final Clock clock;
    private final RandomGenerator snapshotDraws;
    private final AppliedIndexWaiter applied = new AppliedIndexWaiter();
    private final TxnBatcher batcher;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    /** The entries this node submitted that have not begun to apply here: by call id, what to run when they do. */
    private final Map<Long, Runnable> uncommitted = new ConcurrentHashMap<>();
    private final AtomicBoolean leaderReady = new AtomicBoolean();
    private final AtomicBoolean listenerRoleWarned = new AtomicBoolean();
    private final RatisClients clients;
    private final RatisMembership membership;
    /** Each submitted entry must be applied here within the request timeout. */
    private final Deadlines entryDeadlines;

    /** Where this node's runs go to the leader while it follows. */
    private final ForwardStream forwardStream;

    private volatile StateMachineApplier applier;
    private volatile RaftServer server;
    /** The follower's end of the replication link, if this member has a link port. */
    private ReplicationLink link;
    private volatile CanopyStateMachine stateMachine;
    private volatile CatchUpWatchdog watchdog;
    /** Set when {@link #close} begins: the member's shutdown that follows is the node's own stop. */
    private volatile boolean closing;

    /** The applier is bound at {@link #start}: the server that implements it also proposes through this log. */
    public RatisTxnLog(ReplicationSettings settings, Clock clock) {
        this(settings, clock, new SplittableRandom());
    }

    /** @param snapshotDraws where the counts of entries between snapshots are drawn from ({@link SnapshotSchedule}) */
    RatisTxnLog(ReplicationSettings settings, Clock clock, RandomGenerator snapshotDraws) {
        this.settings = settings;
        this.clock = clock;
        this.snapshotDraws = snapshotDraws;
        this.selfId = RatisConfig.peerId(settings.nodeId());
        // A joining voter knows no peers: Ratis then starts it outside the configuration until a leader adds it
        // (started with the full list, it could campaign before it is added). A joining observer starts with the
        // full list, itself a listener: Ratis gives the listener role only at start, a listener never campaigns,
        // and the leader's configuration replaces this one once it is added.
        boolean joiningVoter = settings.join() && settings.self().isVoter();
        RaftGroupId groupId = RatisConfig.groupId(settings.clusterName());
        this.group = joiningVoter ? RaftGroup.valueOf(groupId)
                : RaftGroup.valueOf(groupId, settings.members().stream().map(RatisConfig::peer).toList());
        this.clients = new RatisClients(settings, groupId, this::knownPeers, this::leaderNodeId);
        this.membership = new RatisMembership(settings, this::division, clients);
        Duration tick = Duration.ofMillis(Math.max(10, Math.min(200, settings.requestTimeout().toMillis() / 20)));
        this.entryDeadlines = new Deadlines(settings.requestTimeout(), tick, "canopy-entry-deadlines");
        this.forwardStream = new ForwardStream(this::raftAddressOf, this::linkAddressOf, linkTimeout(settings));
        this.batcher = new TxnBatcher(new BatcherTransport(), clock, settings.nodeId(), settings.batchMaxOps(),
                settings.batchMaxBytes(), settings.maxInFlightBatches(), FORWARD_WINDOW, entryDeadlines);
    }

    /** Recovers the log and latest snapshot into {@code applier}, then joins the group. */
    public void start(StateMachineApplier applier) throws IOException {
        this.applier = applier;
        RaftProperties properties = RatisConfig.properties(settings);
        stateMachine = new CanopyStateMachine(applier, applied, batcher::resolved, this::committed, clock,
                this::onLeadership, leader -> {
                    batcher.leaderChanged();
                    int leaderId = RatisConfig.nodeIdOf(leader);
                    batcher.onSubmitter(() -> {
                        clients.leaderChanged(leaderId);
                        forwardStream.leaderChanged(leaderId);
                    });
                },
                this::onMembershipChanged, () -> closing, settings.snapshotRetention(), settings.enforceQuota(),
                new SnapshotSchedule(settings.snapshotThreshold(), snapshotDraws), settings.snapshotLogBytes());
        server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(properties)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .setParameters(parameters())
                .build();
        server.start();
        // Only once Ratis runs: a request reaching a server still starting fails it (the leader's snapshot,
        // sent to a wiped member at once, left it unable to start: FollowerRecoveryIT).
        if (settings.self().linkPort() > 0) {
            link = new ReplicationLink(server, settings.peerBindAddress(), settings.self().linkPort(),
                    linkTimeout(settings), this::acceptForwarded);
        }
        if (settings.members().size() > 1 || settings.join()) {
            watchdog = new CatchUpWatchdog(settings.nodeId(), () -> MembershipConfig.voterIds(members()),
                    this::leaderNodeId, this::logNextIndex, clients::leaderClient,
                    settings.electionTimeoutMax().multipliedBy(2), Duration.ofMinutes(2));
            watchdog.start();
        }
        log.info("Raft member {} of group {} started: configuration {}, log and snapshots in {}", selfId,
                group.getGroupId(), division().map(d -> d.getRaftConf().toString()).orElse("unknown"),
                settings.raftDir());
        if (!isMember()) {
            log.warn("This node is not in the Raft configuration{}: it waits to be added and serves no clients until"
                    + " then. Add it from any member with: reconfig -add {}", settings.join() ? " (joining)" : "",
                    MembershipConfig.serverLine(settings.self()));
        }
    }

    @Override
    public CompletableFuture<Void> propose(Txn txn) {
        return batcher.submit(txn);
    }

    @Override
    public CompletableFuture<byte[]> proposeCommitted(Txn txn) {
        byte[] entry = BatchCodec.encode(new Batch(clock.millis(), List.of(txn)));
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
        return entryDeadlines.within(clients.sendAlone(message).thenCompose(RatisTxnLog::succeeded))
                .thenApply(reply -> reply.getMessage().getContent().toByteArray());
    }

    /** Where the batcher sends this node's runs and entries. */
    private final class BatcherTransport implements TxnBatcher.Transport {
        /**
         * Leading and ready: Ratis refuses a local submit with LeaderNotReadyException until the term's first entry
         * commits, and a leader that is not ready yet does not take forwarded runs either (Ratis answers a read
         * there with the same exception, and the follower's client retries).
         */
        @Override
        public boolean leads() {
            return leaderReady.get();
        }

        @Override
        public boolean electedNotReady() {
            return !leaderReady.get() && isLeader();
        }

        @Override
        public CompletableFuture<?> append(byte[] entry, Runnable committed) {
            Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(entry));
            long callId = callIds.incrementAndGet();
            uncommitted.put(callId, committed);
            return entryDeadlines.within(submitLocally(message, callId)
                    .whenComplete((reply, error) -> uncommitted.remove(callId))
                    .thenCompose(RatisTxnLog.this::appliedHere));
        }

        @Override
        public CompletableFuture<?> forward(byte[] run) {
            return forwardStream.forward(run, leaderNodeId());
        }

        @Override
        public int nodes() {
            return division().map(d -> d.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER).size()
                    + d.getRaftConf().getCurrentPeers(RaftPeerRole.LISTENER).size()).orElse(1);
        }
    }

    /** Ratis's parameters: its gRPC server also serves the runs followers forward ({@link ForwardStream}). */
    private Parameters parameters() {
        Parameters p = new Parameters();
        GrpcConfigKeys.Server.setServicesCustomizer(p, ForwardStream.customizer(this::acceptForwarded));
        ReplicationLink.setMembers(p, settings.members());
        return p;
    }

    /**
     * On the leader (the follower's link connection, or a gRPC event loop): a follower's run, checked and queued
     * for the next entry; null if taken, else why not.
     */
    private String acceptForwarded(byte[] run) {
        Run header;
        try {
            header = BatchCodec.checkRun(run);
        } catch (IllegalArgumentException e) {
            return "malformed run: " + e.getMessage();
        }
        return batcher.acceptForwarded(header, run) ? null
                : "n" + settings.nodeId() + " does not lead (or is not ready yet)";
    }

    /** How long a replication link may stay silent, or a send on it make no progress. */
    private static Duration linkTimeout(ReplicationSettings settings) {
        return settings.electionTimeoutMax().multipliedBy(4);
    }

    /** A member's replication link address (host:port), from the current configuration; null if it has none. */
    private String linkAddressOf(int node) {
        RaftPeer peer = peerOf(node);
        return peer == null ? null : ReplicationLink.addressOf(peer, settings.members());
    }

    /** A member's Raft server address (host:port), from the current configuration; null if unknown. */
    private String raftAddressOf(int node) {
        RaftPeer peer = peerOf(node);
        return peer == null ? null : peer.getAddress();
    }

    /** A member of the current configuration by node id, or null. */
    private RaftPeer peerOf(int node) {
        RaftPeerId id = RatisConfig.peerId(node);
        for (RaftPeer p : knownPeers()) {
            if (p.getId().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /** Apply thread: an entry's apply begins; if this node submitted it, its {@code committed} callback runs. */
    private void committed(ByteString clientId, long callId) {
        if (localClientId.toByteString().equals(clientId)) {
            Runnable r = uncommitted.remove(callId);
            if (r != null) {
                r.run();
            }
        }
    }

    private CompletableFuture<RaftClientReply> submitLocally(Message message, long callId) {
        RaftServer s = server;
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("replication is not started"));
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(selfId)
                .setGroupId(group.getGroupId())
                .setCallId(callId)
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        try {
            // The division itself, not RaftServer.submitClientRequestAsync: that one hands the call to Ratis's
            // client thread pool and blocks until it returns (supplyAsync(..).join() in 3.3.0), two thread
            // switches per entry that buy nothing on this node's own submitting thread.
            Optional<RaftServer.Division> d = division();
            if (d.isPresent() && d.get() instanceof RaftClientAsynchronousProtocol direct) {
                return direct.submitClientRequestAsync(request);
            }
            return s.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Long> appliedHere(RaftClientReply reply) {
        return succeeded(reply).thenCompose(r -> applied.await(r.getLogIndex()).thenApply(v -> r.getLogIndex()));
    }

    /** The reply, or its failure as a failed future. */
    private static CompletableFuture<RaftClientReply> succeeded(RaftClientReply reply) {
        if (reply.isSuccess()) {
            return CompletableFuture.completedFuture(reply);
        }
        Exception e = reply.getException();
        return CompletableFuture.failedFuture(e != null ? e : new IOException("write failed: " + reply));
    }

    /**
     * A barrier entry through the log ({@link TxnTypes#BARRIER}, batched with the writes): it completes once a
     * quorum has committed it and this node has applied it, so this node then holds every write acknowledged
     * before the sync began. A deposed leader cannot commit it, so it cannot answer from stale state
     * (ZOOKEEPER-1675). Not Ratis's ReadIndex: in 3.3.0 a leader whose commit index has not moved since a read
     * it once confirmed answers the next ReadIndex without a heartbeat round
     * ({@code ReadIndexHeartbeats.addAppendEntriesListener}), so an isolated leader served stale synced reads
     * until it stepped down (found by PartitionIT).
     */
    @Override
    public CompletableFuture<Void> sync() {
        return batcher.submit(new Txn(0, 0, TxnTypes.BARRIER, new byte[0], List.of(), settings.nodeId(), 0));
    }

    @Override
    public CompletableFuture<Void> reportSessionActivity(long[] sessionIds) {
        return clients.toLeader(ActivityReport.encode(sessionIds))
                .thenCompose(reply -> reply.isSuccess()
                        ? CompletableFuture.<Void>completedFuture(null)
                        : CompletableFuture.<Void>failedFuture(reply.getException()))
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isLeader() {
        return division().map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /**
     * A leader serves (Ratis steps a leader down once a majority has not answered it for an election timeout);
     * a follower or listener serves while it knows the leader and heard from it within the longest election
     * timeout; a candidate, a member not (yet) in the configuration and a closed member do not.
     */
    @Override
    public boolean isServing() {
        Optional<RaftServer.Division> division = division();
        if (division.isEmpty() || !membership.isMember(division.get())) {
            return false;   // closed, or not in the configuration: removed, or a joining node not yet added
        }
        RaftServer.Division d = division.get();
        try {
            RoleInfoProto role = d.getInfo().getRoleInfoProto();
            return switch (role.getRole()) {
                case LEADER -> true;
                case FOLLOWER, LISTENER -> d.getInfo().getLeaderId() != null && role.hasFollowerInfo()
                        && role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs()
                        <= settings.electionTimeoutMax().toMillis();
                default -> false;
            };
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public String mode() {
        if (membership.isStandalone()) {
            return "standalone";
        }
        if (isLeader()) {
            return "leader";
        }
        // From the configuration, not Ratis's role: a member made a listener at run time keeps the follower role
        // in Ratis 3.3.0 until it restarts (see onMembershipChanged).
        return membership.isListener() ? "observer" : "follower";
    }

    /**
     * Ratis 3.3.0 gives a member the listener role only when it starts: one made an observer at run time keeps
     * the follower role, and should the leader fail, it would campaign, find itself outside the voters and shut
     * its Raft member down (this node would then stop serving clients). Restarting it makes it a true listener.
     */
    private void onMembershipChanged() {
        if (closing) {
            return;   // Ratis reports the member's own shutdown as a change: the node is stopping, nothing to re-check
        }
        division().ifPresent(d -> {
            if (membership.isListener() && !d.getInfo().isListener()
                    && listenerRoleWarned.compareAndSet(false, true)) {
                log.warn("This node is now an observer (a Raft listener), but Ratis gives a member the listener role"
                        + " only at start: restart this node so that it never campaigns when the leader fails");
            }
        });
        StateMachineApplier a = applier;
        if (a != null) {
            a.membershipChanged();
        }
    }

    @Override
    public List<Member> members() {
        return membership.members();
    }

    @Override
    public List<Member> configuredMembers() {
        return settings.members();
    }

    @Override
    public boolean isMember() {
        return division().map(membership::isMember).orElse(false);
    }

    @Override
    public boolean membershipChanging() {
        return membership.changing();
    }

    @Override
    public CompletableFuture<Void> changeMembership(List<Member> current, List<Member> next) {
        return membership.change(current, next);
    }

    /** The state machine of the running member (for tests of the replication package); null before start. */
    CanopyStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * From the leader's Ratis division: its log appenders (one per member it replicates to, with the time since
     * that member last answered) and the commit index each member last reported. Synced: answered within the
     * longest election timeout (after which a follower would itself stop serving, see {@link #isServing}), and
     * reported a commit index within {@link RatisConfig#CATCH_UP_GAP} entries of the leader's. A member's commit
     * index never passes what its log holds, so this also bounds how far its log is behind.
     */
    @Override
    public LeaderView leaderView() {
        Optional<RaftServer.Division> division = division();
        CanopyStateMachine sm = stateMachine;
        if (division.isEmpty() || sm == null) {
            return null;
        }
        RaftServer.Division d = division.get();
        try {
            RoleInfoProto role = d.getInfo().getRoleInfoProto();
            if (role.getRole() != RaftPeerRole.LEADER || !role.hasLeaderInfo()) {
                return null;
            }
            long leaderCommit = d.getRaftLog().getLastCommittedIndex();
            Map<Integer, Long> reportedCommit = new HashMap<>();
            for (CommitInfoProto c : d.getCommitInfos()) {
                reportedCommit.put(RatisConfig.nodeIdOf(RaftPeerId.valueOf(c.getServer().getId())),
                        c.getCommitIndex());
            }
            Map<Integer, Member> configured = new HashMap<>();
            for (Member m : members()) {
                configured.put(m.id(), m);
            }
            List<Learner> learners = new ArrayList<>();
            for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
                int id = RatisConfig.nodeIdOf(RaftPeerId.valueOf(f.getId().getId()));
                Member m = configured.get(id);
                Long commit = reportedCommit.get(id);
                boolean synced = f.getLastRpcElapsedTimeMs() <= settings.electionTimeoutMax().toMillis()
                        && commit != null && leaderCommit - commit <= RatisConfig.CATCH_UP_GAP;
                learners.add(new Learner(id, m == null ? null : m.role(), synced));
            }
            long[] sizes = sm.proposedSizes().snapshot();
            return new LeaderView(learners, role.getRoleElapsedTimeMs(), sizes[0], sizes[1], sizes[2]);
        } catch (RuntimeException e) {
            return null;   // the division is closing
        }
    }

    private List<RaftPeer> knownPeers() {
        return membership.knownPeers();
    }

    /** This member's Ratis clients (package-private for the adapter's tests). */
    RatisClients clients() {
        return clients;
    }

    /** This member's Raft division, if the server runs (package-private for the adapter's tests). */
    Optional<RaftServer.Division> division() {
        RaftServer s = server;
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(s.getDivision(group.getGroupId()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether this node leads and has committed an entry of its term (Ratis's "leader ready"). */
    public boolean isLeaderReady() {
        return leaderReady.get();
    }

    /** The current leader's node id as Ratis sees it, or -1 if none is known. */
    public int leaderNodeId() {
        return division().map(d -> RatisConfig.nodeIdOf(d.getInfo().getLeaderId())).orElse(-1);
    }

    /** The next index this member needs: past its log's end and past what a snapshot brought it. */
    private long logNextIndex() {
        return division().map(d -> Math.max(d.getRaftLog().getNextIndex(), d.getInfo().getLastAppliedIndex() + 1))
                .orElse(0L);
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

    /** How many times this node failed its transactions in flight and started a new stream. */
    public long streamRestarts() {
        return batcher.restarts();
    }

    public int queuedTxns() {
        return batcher.queued();
    }

    private void onLeadership(boolean leader) {
        if (leaderReady.getAndSet(leader) != leader) {
            log.info(leader ? "This node now leads: running session expiry and clean-up"
                    : "This node no longer leads");
            batcher.kick();
            applier.leadershipChanged(leader);
        }
    }

    @Override
    public void close() throws IOException {
        closing = true;
        CatchUpWatchdog w = watchdog;
        if (w != null) {
            w.close();
        }
        batcher.close();
        forwardStream.close();
        membership.close();
        clients.close();
        if (link != null) {
            link.close();
        }
        RaftServer s = server;
        if (s != null) {
            // Ratis takes a snapshot on stop (Snapshot.triggerWhenStop), so the next start replays little.
            s.close();
        }
        applied.close();
        entryDeadlines.close();
    }
}
