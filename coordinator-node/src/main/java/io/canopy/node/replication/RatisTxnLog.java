package io.canopy.node.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.node.replication.MembershipChangeException.Reason;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/**
 * The consensus log on Apache Ratis (gRPC transport). A single node is a one-member Raft group; a cluster only
 * adds members. Writes are batched ({@link TxnBatcher}) and submitted in-process when this node leads (no gRPC
 * hop), through a Ratis client otherwise. A write's future completes only once its entry is applied here, so
 * the server's reply always follows its own apply (read-your-writes on every node).
 *
 * <p><b>Membership.</b> The static member list only seeds a new group; from then on the Raft configuration stored
 * in the log rules (Ratis's RECOVER start-up reads it back), and everything derived from the membership at run
 * time asks the division's current configuration: {@link #mode()}, {@link #members()}, {@link #isMember()}, the
 * catch-up watchdog's hand-over targets. A joining node starts with the group id and no peers, so that Ratis
 * starts it outside the configuration, waiting for a leader to add it (starting it with the full list could
 * make it campaign and be told to shut down). Observers are Ratis listeners: they receive and apply the log but
 * do not vote.
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
    private final AtomicBoolean listenerRoleWarned = new AtomicBoolean();
    /** Runs the blocking Ratis admin calls (setConfiguration): never a Netty, Ratis or apply thread. */
    private final ExecutorService adminExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-membership-change");
        t.setDaemon(true);
        return t;
    });

    private volatile StateMachineApplier applier;
    private volatile RaftServer server;
    private volatile RaftClient remoteClient;
    /** Entries forwarded through {@link #remoteClient} whose reply has not come yet. */
    private final AtomicInteger remoteInFlight = new AtomicInteger();
    private volatile CatchUpWatchdog watchdog;

    /** The applier is bound at {@link #start}: the server that implements it also proposes through this log. */
    public RatisTxnLog(ReplicationSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.selfId = peerId(settings.nodeId());
        // A joining voter knows no peers: Ratis then starts it outside the configuration until a leader adds it
        // (started with the full list, it could campaign before it is added). A joining observer starts with the
        // full list, itself a listener: Ratis gives the listener role only at start, a listener never campaigns,
        // and the leader's configuration replaces this one once it is added.
        boolean joiningVoter = settings.join() && settings.self().isVoter();
        this.group = joiningVoter ? RaftGroup.valueOf(groupId(settings.clusterName()))
                : RaftGroup.valueOf(groupId(settings.clusterName()),
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

    /** A member as Ratis knows it: id, peer address and role (voter, or listener for an observer). */
    static RaftPeer peer(Member m) {
        return RaftPeer.newBuilder().setId(peerId(m.id())).setAddress(m.peerAddress())
                .setStartupRole(m.isVoter() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER).build();
    }

    /** The node id of a Canopy peer id ({@code n<id>}), or -1. */
    static int nodeIdOf(RaftPeerId id) {
        try {
            return id == null ? -1 : Integer.parseInt(id.toString().substring(1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Recovers the log and latest snapshot into {@code applier}, then joins the group. */
    public void start(StateMachineApplier applier) throws IOException {
        this.applier = applier;
        RaftProperties properties = raftProperties(settings);
        server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setStateMachine(new CanopyStateMachine(applier, applied, clock, this::onLeadership,
                        this::onMembershipChanged, settings.snapshotRetention()))
                .setProperties(properties)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        if (settings.members().size() > 1 || settings.join()) {
            watchdog = new CatchUpWatchdog(settings.nodeId(), () -> MembershipConfig.voterIds(members()),
                    this::leaderNodeId, this::logNextIndex, this::remoteClient,
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

        // Membership changes: a new member is staged until its log is within the gap of the leader's; one that
        // stops answering for the staging timeout fails the change (NEWCONFIGNOQUORUM). Adding as many voters as
        // are kept is refused (RATIS-1912); MembershipChange refuses it first with a clearer message.
        RaftServerConfigKeys.setStagingCatchupGap(p, 1000);
        RaftServerConfigKeys.setStagingTimeout(p, millis(s.electionTimeoutMax().multipliedBy(3)));
        RaftServerConfigKeys.LeaderElection.setMemberMajorityAdd(p, false);

        // Reads are served from local state; sync is a barrier entry (Ratis's ReadIndex is not used, see sync()).
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
            reply = submitLocally(message);
        } else {
            RaftClient client = remoteClientAtLeader();
            remoteInFlight.incrementAndGet();
            reply = client.async().send(message).whenComplete((r, e) -> remoteInFlight.decrementAndGet());
        }
        return reply.thenCompose(this::appliedHere)
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<RaftClientReply> submitLocally(Message message) {
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
                .setType(RaftClientRequest.writeRequestType())
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
        return remoteClient().async().sendReadOnlyNonLinearizable(ActivityReport.encode(sessionIds))
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
        if (division.isEmpty() || !isMember(division.get())) {
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
        if (isStandalone()) {
            return "standalone";
        }
        if (isLeader()) {
            return "leader";
        }
        // From the configuration, not Ratis's role: a member made a listener at run time keeps the follower role
        // in Ratis 3.3.0 until it restarts (see onMembershipChanged).
        boolean listener = division().map(d -> d.getRaftConf().getPeer(selfId, RaftPeerRole.LISTENER) != null)
                .orElse(false);
        return listener ? "observer" : "follower";
    }

    /**
     * Ratis 3.3.0 gives a member the listener role only when it starts: one made an observer at run time keeps
     * the follower role, and should the leader fail, it would campaign, find itself outside the voters and shut
     * its Raft member down (this node would then stop serving clients). Restarting it makes it a true listener.
     */
    private void onMembershipChanged() {
        division().ifPresent(d -> {
            if (d.getRaftConf().getPeer(selfId, RaftPeerRole.LISTENER) != null && !d.getInfo().isListener()
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

    /** One voter (this node), no listener, not joining: ZooKeeper's standalone mode; reconfig is refused. */
    private boolean isStandalone() {
        if (settings.join()) {
            return false;
        }
        Optional<RaftConfiguration> conf = division().map(RaftServer.Division::getRaftConf);
        if (conf.isEmpty()) {
            return settings.members().size() == 1;
        }
        Collection<RaftPeer> voters = conf.get().getCurrentPeers(RaftPeerRole.FOLLOWER);
        return voters.size() == 1 && voters.iterator().next().getId().equals(selfId)
                && conf.get().getCurrentPeers(RaftPeerRole.LISTENER).isEmpty()
                && conf.get().getPreviousPeers().isEmpty();
    }

    @Override
    public List<Member> members() {
        if (isStandalone()) {
            return List.of();
        }
        Optional<RaftConfiguration> conf = division().map(RaftServer.Division::getRaftConf);
        if (conf.isEmpty()) {
            return List.of();
        }
        List<Member> members = new ArrayList<>();
        addMembers(members, conf.get().getCurrentPeers(RaftPeerRole.FOLLOWER), Role.PARTICIPANT);
        addMembers(members, conf.get().getCurrentPeers(RaftPeerRole.LISTENER), Role.OBSERVER);
        members.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return List.copyOf(members);
    }

    @Override
    public List<Member> configuredMembers() {
        return settings.members();
    }

    private static void addMembers(List<Member> into, Collection<RaftPeer> peers, Role role) {
        for (RaftPeer p : peers) {
            int id = nodeIdOf(p.getId());
            String address = p.getAddress();
            int colon = address == null ? -1 : address.lastIndexOf(':');
            if (id < 0 || colon < 0) {
                log.warn("Ignoring Raft peer {} at {}: not a Canopy member (id n<number>, address host:port)",
                        p.getId(), address);
                continue;
            }
            into.add(new Member(id, address.substring(0, colon), 0, Integer.parseInt(address.substring(colon + 1)),
                    role));
        }
    }

    @Override
    public boolean isMember() {
        return division().map(this::isMember).orElse(false);
    }

    private boolean isMember(RaftServer.Division d) {
        return d.getInfo().isAlive()
                && d.getRaftConf().getPeer(selfId, RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER) != null;
    }

    @Override
    public boolean membershipChanging() {
        return division().map(d -> !d.getRaftConf().getPreviousPeers().isEmpty()).orElse(false);
    }

    /**
     * Ratis's setConfiguration in compare-and-set mode, through a Ratis client that finds the leader, on the
     * admin thread (the call blocks until the new configuration is committed, new members having caught up).
     */
    @Override
    public CompletableFuture<Void> changeMembership(List<Member> current, List<Member> next) {
        if (isStandalone()) {
            return CompletableFuture.failedFuture(new MembershipChangeException(Reason.DISABLED,
                    "a standalone node cannot change its membership"));
        }
        return CompletableFuture.runAsync(() -> {
            try {
                setConfiguration(current, next);
            } catch (MembershipChangeException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, adminExecutor);
    }

    private void setConfiguration(List<Member> current, List<Member> next) throws MembershipChangeException {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(peers(next, true))
                .setListenersInNewConf(peers(next, false))
                .setServersInCurrentConf(peers(current, true))
                .setListenersInCurrentConf(peers(current, false))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build();
        log.info("Changing the Raft configuration from {} to {}", current, next);
        long started = System.nanoTime();
        try (RaftClient admin = adminClient()) {
            RaftClientReply reply = admin.admin().setConfiguration(arguments);
            if (!reply.isSuccess()) {
                throw reply.getException() != null ? reply.getException()
                        : new IOException("setConfiguration failed: " + reply);
            }
            log.info("Raft configuration changed in {} ms: {}", (System.nanoTime() - started) / 1_000_000,
                    division().map(d -> d.getRaftConf().toString()).orElse("?"));
        } catch (IOException e) {
            MembershipChangeException failure = classify(e, next);
            if (failure == null) {
                log.info("Raft configuration is already the requested one (an earlier attempt went through)");
                return;
            }
            log.warn("Changing the Raft configuration failed ({}): {}", failure.reason(), e.toString());
            throw failure;
        }
    }

    /** The failure's reason, or null if the configuration is {@code next} after all. */
    private MembershipChangeException classify(IOException e, List<Member> next) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ReconfigurationInProgressException) {
                return new MembershipChangeException(Reason.IN_PROGRESS, t.getMessage(), e);
            }
            if (t instanceof ReconfigurationTimeoutException) {
                return new MembershipChangeException(Reason.NO_QUORUM, "a new member did not catch up: "
                        + t.getMessage(), e);
            }
            if (t instanceof SetConfigurationException) {
                if (sameConfiguration(next)) {
                    return null;
                }
                boolean raced = String.valueOf(t.getMessage()).contains("different than the request");
                return new MembershipChangeException(raced ? Reason.IN_PROGRESS : Reason.BAD_ARGUMENTS,
                        t.getMessage(), e);
            }
        }
        return new MembershipChangeException(Reason.NO_QUORUM, "no answer from a leader: " + e, e);
    }

    private boolean sameConfiguration(List<Member> next) {
        List<Member> now = members();
        return now.size() == next.size() && now.stream().allMatch(m -> next.stream().anyMatch(m::samePeer));
    }

    private static List<RaftPeer> peers(List<Member> members, boolean voters) {
        return members.stream().filter(m -> m.isVoter() == voters).map(RatisTxnLog::peer).toList();
    }

    /**
     * A client for one membership change, knowing the current configuration's peers (a joined node's static list
     * may name none of them). Failed attempts are retried against other peers until a leader answers, for at most
     * about the request timeout; a timeout or a refusal is final, since retrying a change that may still be under
     * way would only be refused as "in progress". Its request timeout covers new members catching up.
     */
    private RaftClient adminClient() {
        int attempts = (int) Math.max(5, settings.requestTimeout().toMillis() / 200);
        ExceptionDependentRetry retry = ExceptionDependentRetry.newBuilder()
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .setExceptionToPolicy(ReconfigurationInProgressException.class, RetryPolicies.noRetry())
                .setExceptionToPolicy(ReconfigurationTimeoutException.class, RetryPolicies.noRetry())
                .setExceptionToPolicy(TimeoutIOException.class, RetryPolicies.noRetry())
                .build();
        return newClient(adminTimeout(), retry, null);
    }

    /**
     * A Ratis client of the current configuration's peers (a joining node's static group has none; later changes
     * reach the client with the leaders' answers) whose every attempt waits at most {@code attemptTimeout},
     * starting at {@code leader} if known.
     */
    private RaftClient newClient(Duration attemptTimeout, RetryPolicy retry, RaftPeerId leader) {
        RaftProperties properties = raftProperties(settings);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, millis(attemptTimeout));
        RaftClient.Builder b = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(group.getGroupId(), knownPeers()))
                .setProperties(properties)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(retry);
        if (leader != null) {
            b.setLeaderId(leader);
        }
        return b.build();
    }

    /** How long one membership change may take, new members' catch-up included. */
    Duration adminTimeout() {
        return settings.requestTimeout().multipliedBy(3);
    }

    /** The peers of the current configuration, or of the static member list if this node knows none. */
    private List<RaftPeer> knownPeers() {
        List<RaftPeer> peers = division().map(d -> List.copyOf(d.getRaftConf().getAllPeers())).orElse(List.of());
        if (peers.isEmpty()) {
            peers = settings.members().stream().map(RatisTxnLog::peer).toList();
        }
        return peers;
    }

    private Optional<RaftServer.Division> division() {
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
        return division().map(d -> nodeIdOf(d.getInfo().getLeaderId())).orElse(-1);
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

    /**
     * How long one attempt of the remote client may wait for an answer before it tries another peer: the longest
     * election timeout, by when a new leader is normally known. A leader cut off from this node never answers (its
     * replies are lost, not refused), so with the whole request timeout per attempt, a follower kept sending writes
     * and session moves to a deposed leader for 10 s while it already knew the new one (found by PartitionIT),
     * longer than a client waits for a connect answer (a third of its session timeout with three servers). A
     * slow but live leader only costs a retry, which its retry cache answers with the first attempt's outcome.
     */
    static Duration remoteAttemptTimeout(ReplicationSettings s) {
        Duration d = s.electionTimeoutMax();
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /**
     * Bounded retries, so that a write without a majority fails within about the request timeout and a retried
     * request never outlives the leader's retry cache (exactly-once): attempts that time out are retried until
     * the request timeout is covered; fast refusals (not the leader, no leader yet) every 100 ms for as long.
     */
    static RetryPolicy remoteRetryPolicy(ReplicationSettings s) {
        TimeDuration pause = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
        long timeouts = Math.max(1, s.requestTimeout().toMillis() / remoteAttemptTimeout(s).toMillis());
        long refusals = Math.max(1, s.requestTimeout().toMillis() / 100);
        return ExceptionDependentRetry.newBuilder()
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) refusals, pause))
                .setExceptionToPolicy(TimeoutIOException.class,
                        RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) timeouts, pause))
                .setMaxAttempts((int) (refusals + timeouts))
                .build();
    }

    private RaftClient remoteClient() {
        RaftClient c = remoteClient;
        if (c == null) {
            synchronized (this) {
                c = remoteClient;
                if (c == null) {
                    c = newRemoteClient(null);
                    remoteClient = c;
                }
            }
        }
        return c;
    }

    /** The client that forwards this node's entries, starting at {@code leader} if known. */
    private RaftClient newRemoteClient(RaftPeerId leader) {
        return newClient(remoteAttemptTimeout(settings), remoteRetryPolicy(settings), leader);
    }

    /**
     * The remote client for the next forwarded entry (submitting thread only). A Ratis client learns of a new
     * leader only from an answer, and a deposed leader cut off from this node never answers: the client would
     * spend a whole attempt on it, while this node's own server already follows the new leader (found by
     * PartitionIT: sessions moving to a follower took longer than the client's connect timeout). So when this
     * node's server knows a leader other than the client's, and none of our entries is in flight on the old
     * client (their order must hold: a new client is a new ordered stream), a fresh client starts at that leader
     * and the old one is closed.
     */
    private RaftClient remoteClientAtLeader() {
        RaftClient c = remoteClient();
        int leader = leaderNodeId();
        if (leader <= 0 || leader == settings.nodeId() || remoteInFlight.get() != 0
                || peerId(leader).equals(c.getLeaderId())) {
            return c;
        }
        RaftClient fresh;
        synchronized (this) {
            if (remoteClient != c) {
                return remoteClient;
            }
            fresh = newRemoteClient(peerId(leader));
            remoteClient = fresh;
        }
        log.debug("Forwarding writes to the new leader n{} (the Raft client pointed at {})", leader, c.getLeaderId());
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            log.debug("Closing the previous Raft client failed: {}", e.toString());
        }
        return fresh;
    }

    @Override
    public void close() throws IOException {
        CatchUpWatchdog w = watchdog;
        if (w != null) {
            w.close();
        }
        batcher.close();
        adminExecutor.shutdownNow();
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
