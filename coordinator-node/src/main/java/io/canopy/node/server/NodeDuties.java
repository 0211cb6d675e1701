package io.canopy.node.server;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.SessionInfo;
import io.canopy.core.txn.Txn;

/**
 * A node's periodic duties, on one scheduled thread. Only the leader expires sessions that went silent
 * (proposing closeSession, whose apply removes their ephemerals everywhere) and proposes the clean-up of empty
 * containers and expired TTL nodes: both are decisions taken from a clock, so they are taken once, by the
 * leader, and logged; apply stays deterministic. Every other node reports its sessions' activity to the leader
 * each half tick, so that the leader's deadlines see the pings of clients connected elsewhere.
 */
final class NodeDuties {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDuties.class);
    /** ZooKeeper's default znode.container.maxPerMinute is 10000; one pass reaps at most this many. */
    static final int MAX_REAP_PER_PASS = 1000;

    /** What the duties need from the service. */
    interface Host {
        Collection<SessionInfo> liveSessions();

        List<String> reapCandidates(long nowMillis, int max);

        int nodeId();

        long nextOriginSeq();

        /** Proposes without a waiting client; {@code onFailure} runs if the outcome is unknown. */
        void proposeInternal(Txn txn, Runnable onFailure);

        /** Sends the sessions active on this node since the last report to the leader. */
        void reportSessionActivity();

        /** On a new leader: proposes the membership text for /zookeeper/config if the tree shows another. */
        void publishMembership();

        /**
         * Closes the client connections while the node cannot serve them (no contact with a leader, or not in the
         * configuration).
         */
        void checkServing();
    }

    /**
     * How often the node checks that it can still serve. Short, because a client must learn that its node is cut
     * off (its connection closes) and reach another node before the leader expires its session, the shortest of
     * which lasts two ticks (4 s by default).
     */
    static final Duration SERVING_CHECK_INTERVAL = Duration.ofMillis(200);

    private final Host host;
    private final Clock clock;
    private final Duration expiryCheckInterval;
    private final Duration reapInterval;
    private final SessionExpiryTracker tracker;
    private volatile boolean leader;
    private ScheduledExecutorService scheduler;

    NodeDuties(Host host, Clock clock, ServerSettings settings) {
        this.host = host;
        this.clock = clock;
        this.tracker = new SessionExpiryTracker(clock);
        long tick = Math.max(10, settings.tickTime().toMillis() / 2);
        this.expiryCheckInterval = Duration.ofMillis(tick);
        this.reapInterval = settings.containerCheckInterval();
    }

    synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-leader-duties");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::expireSessions, expiryCheckInterval.toMillis(),
                expiryCheckInterval.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::reportActivity, expiryCheckInterval.toMillis(),
                expiryCheckInterval.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::reap, reapInterval.toMillis(), reapInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::checkServing, SERVING_CHECK_INTERVAL.toMillis(),
                SERVING_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on the duties thread after {@code delay} (at once if not started: tests). */
    synchronized void runLater(Runnable task, Duration delay) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("A membership duty failed", e);
            }
        };
        if (scheduler == null) {
            guarded.run();
        } else {
            try {
                scheduler.schedule(guarded, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("duties stopped; membership duty dropped");
            }
        }
    }

    synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    /**
     * A new leader cannot know when sessions were last heard from: every session gets a full timeout. Runs on the
     * duties thread, never on the caller's: Ratis calls this from its own threads, possibly holding its server
     * lock, and publishing the membership proposes through the log, which takes the batcher's lock and then
     * Ratis's; doing that here would invert the order in which client threads take the two (a deadlock seen in
     * ClusterLinearizabilityIT).
     */
    synchronized void leadershipChanged(boolean nowLeader) {
        if (scheduler == null) {
            applyLeadership(nowLeader);   // not started (tests driving the service directly)
        } else {
            scheduler.execute(() -> applyLeadership(nowLeader));
        }
    }

    private void applyLeadership(boolean nowLeader) {
        try {
            if (nowLeader) {
                tracker.reset(host.liveSessions());
                host.publishMembership();
            }
        } catch (RuntimeException e) {
            LOG.warn("Taking up leader duties failed", e);
        }
        leader = nowLeader;
        LOG.info("Leader duties (session expiry, container/TTL clean-up) {}", nowLeader ? "active" : "inactive");
    }

    boolean isLeader() {
        return leader;
    }

    void touch(long sessionId) {
        tracker.touch(sessionId);
    }

    /** A session was created (on any node): tracked from now on. */
    void track(long sessionId, int timeoutMillis) {
        tracker.track(sessionId, timeoutMillis);
    }

    void retime(long sessionId, int timeoutMillis) {
        tracker.retime(sessionId, timeoutMillis);
    }

    void forget(long sessionId) {
        tracker.remove(sessionId);
    }

    void expireSessions() {
        if (!leader) {
            return;
        }
        try {
            for (long sessionId : tracker.takeExpired()) {
                LOG.info("Expiring session 0x{}", Long.toHexString(sessionId));
                host.proposeInternal(InternalTxns.expireSession(sessionId, host.nodeId(), host.nextOriginSeq()),
                        () -> tracker.retry(sessionId));
            }
        } catch (RuntimeException e) {
            LOG.warn("Session expiry pass failed", e);
        }
    }

    void reportActivity() {
        if (leader) {
            return;
        }
        try {
            host.reportSessionActivity();
        } catch (RuntimeException e) {
            LOG.warn("Reporting session activity to the leader failed", e);
        }
    }

    void checkServing() {
        try {
            host.checkServing();
        } catch (RuntimeException e) {
            LOG.warn("Checking contact with the leader failed", e);
        }
    }

    void reap() {
        if (!leader) {
            return;
        }
        try {
            List<String> candidates = host.reapCandidates(clock.millis(), MAX_REAP_PER_PASS);
            if (!candidates.isEmpty()) {
                LOG.debug("Proposing clean-up of {} container/TTL nodes", candidates.size());
                host.proposeInternal(InternalTxns.reap(candidates, host.nodeId(), host.nextOriginSeq()), () -> { });
            }
        } catch (RuntimeException e) {
            LOG.warn("Container/TTL clean-up pass failed", e);
        }
    }
}
