package io.canopy.node.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.ApplyResult;
import io.canopy.core.CoordinatorState;
import io.canopy.core.CoreSettings;
import io.canopy.core.SessionInfo;
import io.canopy.core.SnapshotImage;
import io.canopy.core.TreeStats;
import io.canopy.core.TreeView;
import io.canopy.core.TxnOutcome;
import io.canopy.core.acl.AclChecker;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.core.watch.WatchEvent;
import io.canopy.core.watch.WatchRegistry;
import io.canopy.core.watch.WatchTrigger;
import io.canopy.node.replication.CapturedSnapshot;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.StateMachineApplier;
import io.canopy.node.replication.TxnLog;
import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants;
import io.netty.channel.Channel;

/**
 * The ZooKeeper request service of one node: owns the replicated {@link CoordinatorState} (applied here, in log
 * order, under the write lock; read by clients under the read lock), the node-local watch registry, the live
 * client connections and the writes waiting for their outcome.
 *
 * <p>For every applied transaction, in log order and before the write lock is released: first the watch events
 * it fires are queued to their sessions, then the reply if this node proposed it, then a closed session is
 * dropped. Since reads take the read lock, a client always receives an event before it can read the data that
 * fired it.
 *
 * <p>Lifecycle: construct, register as the replication layer's {@link StateMachineApplier}, {@link #start()}
 * (leader duties thread), then open the client port; {@link #close()} on shutdown.
 */
public final class CoordinatorService implements StateMachineApplier, NodeDuties.Host {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);

    private final ServerSettings settings;
    private final CoreSettings coreSettings;
    private final TxnLog txnLog;
    private final int nodeId;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile CoordinatorState state;
    private final WatchRegistry watches = new WatchRegistry();
    private final ConnectionRegistry connections = new ConnectionRegistry(watches);
    private final Set<Long> recentlyActive = ConcurrentHashMap.newKeySet();
    private final Proposals proposals;
    private final QuotaWarningLog quotaWarnings;
    private final ServerStats stats = new ServerStats();
    private final Authenticator authenticator;
    private final RequestExecutor executor = new RequestExecutor(this);
    private final ConnectHandshake handshake;
    private final NodeDuties duties;
    private final ClusterMembership membership;
    private final ReconfigHandler reconfigHandler;
    /**
     * ZooKeeper 3.9 delivers an event only to sessions that may read the node (the ACL as of the change): checked
     * against the identities of the session's connection on this node.
     */
    private final WatchRegistry.ReadPermission readPermission;
    private final ServingGate serving;

    public CoordinatorService(ServerSettings settings, TxnLog txnLog, Clock clock) {
        this(settings, new CoreSettings(settings.superDigest(), false), txnLog, clock);
    }

    public CoordinatorService(ServerSettings settings, CoreSettings coreSettings, TxnLog txnLog, Clock clock) {
        this.settings = settings;
        this.coreSettings = coreSettings;
        this.txnLog = txnLog;
        this.nodeId = txnLog.nodeId();
        this.state = new CoordinatorState(coreSettings);
        this.proposals = new Proposals(txnLog, clock, clock.millis() << 20);
        this.quotaWarnings = new QuotaWarningLog(clock);
        this.authenticator = new Authenticator(settings.superDigest());
        this.handshake = new ConnectHandshake(this, settings, new SessionIds(nodeId, clock));
        this.duties = new NodeDuties(this, clock, settings);
        this.membership = new ClusterMembership(this, txnLog, settings);
        this.serving = new ServingGate(txnLog, connections, settings);
        this.reconfigHandler = new ReconfigHandler(this, txnLog, membership, settings, coreSettings);
        this.readPermission = (sessionId, acl) -> {
            List<Id> identities = connections.identities(sessionId);
            return acl == null || identities == null
                    || AclChecker.allowed(acl, ZkConstants.Perms.READ, identities, coreSettings);
        };
    }

    /** Starts the leader-duties thread (idle until {@link #leadershipChanged(boolean) leadershipChanged(true)}). */
    public void start() {
        duties.start();
    }

    /** Stops the leader duties and closes every client connection. */
    public void close() {
        duties.stop();
        reconfigHandler.close();
        closeAllConnections("server shutting down");
    }

    /** Closes every client connection (shutdown, or this node left the cluster's configuration). */
    void closeAllConnections(String reason) {
        for (ClientConnection c : connections.all()) {
            c.closeNow(reason);
        }
    }

    // ---- StateMachineApplier ------------------------------------------------------------------------------

    @Override
    public Applied apply(long logIndex, byte[] entry) {
        var batch = BatchCodec.decode(entry);
        List<TxnOutcome> carried = new ArrayList<>(0);
        ApplyResult result;
        lock.writeLock().lock();
        try {
            // Each outcome is delivered before the next transaction of the entry is applied: a session's reads
            // queued behind its write run right there (ClientConnection.writeApplied), so they see the state
            // between that write and the session's next one even when both travel in the same entry.
            result = state.apply(logIndex, batch, outcome -> {
                if (CommittedAnswers.carried(outcome)) {
                    carried.add(outcome);
                }
                try {
                    deliver(outcome);
                } catch (RuntimeException e) {
                    // The state has changed regardless; one failed delivery must not starve the others.
                    LOG.error("Delivering the outcome of {} (zxid 0x{}) failed", OpCode.name(outcome.txn().type()),
                            Long.toHexString(outcome.zxid()), e);
                }
            });
        } finally {
            lock.writeLock().unlock();
        }
        return new Applied(CommittedAnswers.encode(carried), result.verdicts());
    }

    /** Effects of one transaction, in the order the ordering contract needs (write lock held). */
    private void deliver(TxnOutcome outcome) {
        if (!outcome.triggers().isEmpty()) {
            List<WatchEvent> events = new ArrayList<>();
            synchronized (watches) {
                for (WatchTrigger trigger : outcome.triggers()) {
                    events.addAll(watches.trigger(trigger, readPermission));
                }
            }
            for (WatchEvent event : events) {
                ClientConnection c = connections.of(event.sessionId());
                if (c != null) {
                    c.sendEvent(Frames.notification(event));
                }
            }
        }
        Txn txn = outcome.txn();
        if (txn.originNode() == nodeId) {
            // every replica computes the warnings; the node that took the request logs them
            for (String warning : outcome.quotaWarnings()) {
                quotaWarnings.warn(warning);
            }
        }
        if (txn.type() == OpCode.CREATE_SESSION && outcome.err() == 0) {
            SessionInfo session = state.session(txn.sessionId());
            if (session != null) {
                duties.track(session.sessionId(), session.timeoutMillis());
            }
        }
        if (txn.type() == TxnTypes.MOVE_SESSION && outcome.err() == 0) {
            // its client was just heard from, and it may come with a renegotiated timeout
            SessionInfo session = state.session(txn.sessionId());
            if (session != null) {
                duties.retime(session.sessionId(), session.timeoutMillis());
            }
        }
        if (txn.originNode() == nodeId) {
            proposals.applied(outcome);
        } else if (txn.type() == TxnTypes.MOVE_SESSION && outcome.err() == 0) {
            // The client resumed its session on another node: its connection here is stale (SESSIONMOVED).
            connections.sessionMovedAway(txn.sessionId(), txn.originNode());
        }
        long closed = outcome.closedSessionId();
        if (closed != 0) {
            synchronized (watches) {
                watches.removeSession(closed);
            }
            duties.forget(closed);
            connections.sessionClosed(closed);
        }
    }

    @Override
    public long lastAppliedIndex() {
        return read(CoordinatorState::lastAppliedIndex);
    }

    /**
     * Captures the state by reference (tens of milliseconds for 200k nodes); the returned snapshot is written
     * later on the snapshot thread. The read lock suffices: capture only reads, and apply, the only writer, runs
     * on the calling thread anyway; readers are not held up.
     */
    @Override
    public CapturedSnapshot captureSnapshot() {
        SnapshotImage image;
        lock.readLock().lock();
        try {
            image = state.captureSnapshot();
        } finally {
            lock.readLock().unlock();
        }
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
            image.writeTo(data);
            data.flush();
        };
    }

    /**
     * Replaces the state. Watches and connections belonged to the old state: every connection is closed, so its
     * client reconnects and re-registers its watches with the zxid it last saw, which fires what it missed.
     */
    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        CoordinatorState restored = CoordinatorState.readSnapshot(new DataInputStream(in), coreSettings);
        lock.writeLock().lock();
        try {
            state = restored;
            synchronized (watches) {
                for (long session : connections.detachAll()) {
                    watches.removeSession(session);
                }
            }
            proposals.clear();
        } finally {
            lock.writeLock().unlock();
        }
        for (ClientConnection c : connections.all()) {
            c.closeNow("state replaced by a snapshot");
        }
        if (duties.isLeader()) {
            duties.leadershipChanged(true);
        }
    }

    @Override
    public void leadershipChanged(boolean leader) {
        duties.leadershipChanged(leader);
    }

    // ---- for connections ----------------------------------------------------------------------------------

    /** A new client channel (transport layer). */
    public ClientConnection openConnection(Channel channel) {
        ClientConnection c = new ClientConnection(this, channel);
        connections.opened(c);
        return c;
    }

    void connectionClosed(ClientConnection c) {
        serving.readOnlyClosed(c);
        connections.closed(c);
    }

    /** Binds a session to its (newest) connection; an older connection of the session is closed. */
    void attach(ClientConnection c, long sessionId) {
        connections.attach(c, sessionId);
    }

    /**
     * Binds a new read-only session to its connection (event loop, during the handshake). The session exists only
     * here, in the connection registry and the watch registry: it ends when its connection closes.
     */
    void attachReadOnly(ClientConnection c, long sessionId) {
        serving.readOnlyAttached(c);
        connections.attach(c, sessionId);
    }

    void propose(Txn txn, Consumer<TxnOutcome> onOutcome, Runnable onFailure) {
        proposals.propose(txn, onOutcome, onFailure);
    }

    @Override
    public void proposeInternal(Txn txn, Runnable onFailure) {
        propose(txn, outcome -> { }, onFailure);
    }

    /** Every packet of a session is a sign of life; a follower also remembers it for the leader. */
    void touch(long sessionId) {
        if (duties.isLeader()) {
            duties.touch(sessionId);
        } else {
            recentlyActive.add(sessionId);
        }
    }

    /**
     * On a follower, every tick: reports the sessions that showed activity here since the last report to the
     * leader (as ZooKeeper's followers report session touches with their pings); otherwise sessions connected
     * to followers would expire. A failed report is merged into the next one.
     */
    @Override
    public void reportSessionActivity() {
        if (recentlyActive.isEmpty()) {
            return;
        }
        List<Long> taken = new ArrayList<>();
        for (Long id : recentlyActive) {
            recentlyActive.remove(id);
            taken.add(id);
        }
        long[] ids = taken.stream().mapToLong(Long::longValue).toArray();
        txnLog.reportSessionActivity(ids).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.debug("Reporting activity of {} sessions to the leader failed: {}", ids.length, e.toString());
                recentlyActive.addAll(taken);
            }
        });
    }

    /** Every few hundred milliseconds (duties thread), and after every configuration change: see {@link ServingGate}. */
    @Override
    public void checkServing() {
        serving.check();
    }

    /** Whether this node may serve clients now (asked of the log, not of the last periodic check). */
    public boolean isServing() {
        return serving.isServing();
    }

    /** Whether this node is in read-only mode now (see {@link ServingGate#isReadOnly}). */
    public boolean isReadOnly() {
        return serving.isReadOnly();
    }

    @Override
    public void publishMembership() {
        membership.publish();
    }

    @Override
    public void membershipChanged() {
        membership.changed(duties);
    }

    @Override
    public void sessionsActiveElsewhere(long[] sessionIds) {
        for (long id : sessionIds) {
            duties.touch(id);
        }
    }

    /**
     * Opens a session for a non-ZooKeeper caller (REST, console), which then writes with {@link #submit} and
     * keeps it alive with {@link #keepAlive} (or lets it expire, removing its ephemerals). The future completes
     * on the apply thread with the new session id.
     */
    public CompletableFuture<Long> openSession(int timeoutMillis) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        handshake.openDetachedSession(timeoutMillis, result);
        return result;
    }

    public void keepAlive(long sessionId) {
        touch(sessionId);
    }

    /**
     * Proposes a write for a session opened with {@link #openSession}. The future completes on the apply thread
     * with the outcome (ZooKeeper errors included: SESSIONEXPIRED for a dead session), or exceptionally when
     * the outcome is unknown; chain with the *Async methods.
     */
    public CompletableFuture<TxnOutcome> submit(long sessionId, int opCode, Record request, List<Id> identities) {
        CompletableFuture<TxnOutcome> result = new CompletableFuture<>();
        Txn txn = new Txn(sessionId, 0, opCode, Jute.toBytes(request), List.copyOf(identities), nodeId,
                nextOriginSeq());
        propose(txn, result::complete,
                () -> result.completeExceptionally(new IllegalStateException("outcome unknown: not committed")));
        return result;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public long nextOriginSeq() {
        return proposals.nextSeq();
    }

    @Override
    public Collection<SessionInfo> liveSessions() {
        return read(s -> List.copyOf(s.sessions()));
    }

    @Override
    public List<String> reapCandidates(long nowMillis, int max) {
        return read(s -> s.reapCandidates(nowMillis, max));
    }

    CoordinatorState state() {
        return state;
    }

    Lock readLock() {
        return lock.readLock();
    }

    WatchRegistry watches() {
        return watches;
    }

    TxnLog txnLog() {
        return txnLog;
    }

    ServerStats stats() {
        return stats;
    }

    Authenticator authenticator() {
        return authenticator;
    }

    RequestExecutor executor() {
        return executor;
    }

    ConnectHandshake handshake() {
        return handshake;
    }

    ReconfigHandler reconfigHandler() {
        return reconfigHandler;
    }

    // ---- views for four-letter words, REST and console ------------------------------------------------------

    /** Runs {@code query} against the state under the read lock; the result must not keep references into it. */
    public <T> T read(Function<CoordinatorState, T> query) {
        lock.readLock().lock();
        try {
            return query.apply(state);
        } finally {
            lock.readLock().unlock();
        }
    }

    public long lastZxid() {
        return read(CoordinatorState::lastZxid);
    }

    /** A thread-safe view of the tree: each call takes the read lock. */
    public TreeView treeView() {
        return path -> {
            lock.readLock().lock();
            try {
                Stat stat = state.view().stat(path);
                return stat == null ? null : copy(stat);
            } finally {
                lock.readLock().unlock();
            }
        };
    }

    /** Closes the connection of a session on this node (console "disconnect"); the session itself lives on. */
    public boolean disconnect(long sessionId) {
        ClientConnection c = connections.of(sessionId);
        if (c == null) {
            return false;
        }
        c.closeNow("disconnected by an operator");
        return true;
    }

    public List<SessionInfo> sessions() {
        return read(s -> List.copyOf(s.sessions()));
    }

    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> infos = new ArrayList<>();
        for (ClientConnection c : connections.all()) {
            infos.add(c.info());
        }
        return infos;
    }

    /** Watched paths per session of this node (watches are node-local). */
    public Map<Long, Set<String>> watchesBySession() {
        synchronized (watches) {
            Map<Long, Set<String>> copy = new HashMap<>();
            watches.pathsBySession().forEach((session, paths) -> copy.put(session, Set.copyOf(paths)));
            return copy;
        }
    }

    public int watchCount() {
        synchronized (watches) {
            return watches.watchCount();
        }
    }

    public boolean isLeader() {
        return duties.isLeader();
    }

    public ServerSettings settings() {
        return settings;
    }

    public ServerStatus status() {
        long[] zxidAndIndex = new long[3];
        int[] sessionCount = new int[1];
        TreeStats tree = read(s -> {
            zxidAndIndex[0] = s.lastZxid();
            zxidAndIndex[1] = s.lastAppliedIndex();
            zxidAndIndex[2] = s.treeDigest();
            sessionCount[0] = s.sessions().size();
            return s.stats();
        });
        // ZooKeeper's ReadOnlyZooKeeperServer reports its state as "read-only".
        boolean readOnly = isReadOnly();
        String mode = readOnly ? "read-only" : txnLog.mode();
        boolean quorum = !readOnly && !mode.equals("standalone");
        int voters = (int) txnLog.members().stream().filter(Member::isVoter).count();
        return new ServerStatus(isLeader(), mode, zxidAndIndex[0], zxidAndIndex[1], zxidAndIndex[2],
                tree.nodeCount(),
                tree.ephemeralCount(), tree.approximateDataSize(), watchCount(), sessionCount[0], connections.size(),
                proposals.outstanding(), stats.received(), stats.sent(), stats.minLatency(), stats.avgLatency(),
                stats.maxLatency(), quorum ? peerState(mode) : null, quorum ? voters : 0,
                FileDescriptors.open(), FileDescriptors.max(), stats.pendingSyncs(),
                // A standalone node leads its one-member group, but ZooKeeper's standalone server has no leader keys.
                quorum ? txnLog.leaderView() : null);
    }

    /**
     * ZooKeeper's detailed peer state ({@code QuorumPeer.getDetailedPeerState}): the peer state, then the Zab phase
     * once past election. A Raft member that serves has the log in order and takes new entries, which is Zab's
     * broadcast phase; one that does not serve is looking for a leader (then mntr answers "not currently serving"
     * anyway, as ZooKeeper's does).
     */
    private String peerState(String mode) {
        if (!isServing()) {
            return "looking";
        }
        return switch (mode) {
            case "leader" -> "leading - broadcast";
            case "observer" -> "observing - broadcast";
            default -> "following - broadcast";
        };
    }

    private static Stat copy(Stat s) {
        return new Stat(s.getCzxid(), s.getMzxid(), s.getCtime(), s.getMtime(), s.getVersion(), s.getCversion(),
                s.getAversion(), s.getEphemeralOwner(), s.getDataLength(), s.getNumChildren(), s.getPzxid());
    }
}
