package io.canopy.node.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis clients of one node: the leader client, which sends this node's session activity reports and the
 * catch-up watchdog's probes to the leader (and follows the leader this node's server follows), a client per
 * membership change, and one per entry sent alone. Every client knows the current configuration's peers and
 * waits a bounded time per attempt. This node's runs do not go through Ratis's clients: {@link ForwardStream}.
 */
final class RatisClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisClients.class);

    private final ReplicationSettings settings;
    private final RaftGroupId groupId;
    private final Supplier<List<RaftPeer>> knownPeers;
    private final IntSupplier leaderNodeId;

    private volatile RaftClient leaderClient;
    /** A leader client whose ordered stream Ratis failed for good ({@link #streamFailed}), to be replaced. */
    private volatile RaftClient failed;

    /**
     * @param knownPeers   the peers of the current configuration (or of the static list if this node knows none)
     * @param leaderNodeId the leader this node's own Raft server follows, or -1
     */
    RatisClients(ReplicationSettings settings, RaftGroupId groupId, Supplier<List<RaftPeer>> knownPeers,
                 IntSupplier leaderNodeId) {
        this.settings = settings;
        this.groupId = groupId;
        this.knownPeers = knownPeers;
        this.leaderNodeId = leaderNodeId;
    }

    /**
     * Sends a message to the leader's state machine ({@code query}) through the leader client: a read in Ratis's
     * sense, answered by the leader.
     */
    CompletableFuture<RaftClientReply> toLeader(Message message) {
        RaftClient client = leaderClient();
        if (client == failed) {
            client = followLeader(leaderNodeId.getAsInt());
        }
        RaftClient sent = client;
        return client.async().sendReadOnlyNonLinearizable(message).whenComplete((r, e) -> {
            if (e != null && streamFailed(e)) {
                failed = sent;
            }
        });
    }

    /**
     * Sends one entry through a client of its own, made for it from the current configuration's peers and closed
     * once it is answered: for a node that has just left the configuration. Its leader client may know none of
     * the current members (it was made when the node first sent a report, and is renewed only when this node's server
     * learns of a new leader, which a removed node no longer does), and as the leader it removed itself it refuses
     * its own submissions until it steps down. Not ordered with the node's other entries.
     */
    CompletableFuture<RaftClientReply> sendAlone(Message message) {
        RaftClient c = newClient(attemptTimeout(settings), retryPolicy(settings), null);
        return c.async().send(message).whenComplete((r, e) -> closeInBackground(c));
    }

    /**
     * Whether Ratis has failed the client's ordered stream for good: once an entry runs out of retries (a node
     * cut off from the others for longer than the request timeout), Ratis 3.3.0 fails it and every later entry of
     * the client's sliding window, and the window stays closed, so that every entry sent through that client
     * afterwards fails at once with AlreadyClosedException (found by PartitionIT: an isolated old leader failed
     * every write for good after the heal).
     */
    static boolean streamFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AlreadyClosedException || t instanceof RaftRetryFailureException) {
                return true;
            }
        }
        return false;
    }

    /**
     * This node's Raft server follows {@code leader} now (or leads, or -1: knows none): called when the leader
     * changes (on the batcher's submitting thread), so that the leader client turns to the new leader at once.
     */
    void leaderChanged(int leader) {
        if (leaderClient != null) {
            followLeader(leader);
        }
    }

    /** The leader client, created on first use. */
    RaftClient leaderClient() {
        RaftClient c = leaderClient;
        if (c == null) {
            synchronized (this) {
                c = leaderClient;
                if (c == null) {
                    c = newLeaderClient(null);
                    leaderClient = c;
                }
            }
        }
        return c;
    }

    /** A leader client, starting at {@code leader} if known. */
    private RaftClient newLeaderClient(RaftPeerId leader) {
        return newClient(attemptTimeout(settings), retryPolicy(settings), leader);
    }

    /**
     * The leader client, replaced first if Ratis failed its ordered stream ({@link #streamFailed}), and made to
     * follow the leader this node's own Raft server follows. A Ratis client learns of a new leader only from an
     * answer, and a deposed leader cut off from this node never answers: the client would wait out a whole attempt
     * on it, while this node's server already follows the new leader (found by PartitionIT). So when this node's
     * server knows a leader other than the client's, a fresh client starts at that leader and the old one is
     * closed (failing what it had in flight: reports and probes are sent again on their next round).
     */
    private RaftClient followLeader(int leader) {
        RaftClient c = leaderClient();
        if (failed == c) {
            log.info("The leader Raft client gave up on a request: a new client takes this node's next ones");
            return replace(c, leader > 0 && leader != settings.nodeId() ? RatisConfig.peerId(leader) : null);
        }
        if (leader <= 0 || leader == settings.nodeId() || RatisConfig.peerId(leader).equals(c.getLeaderId())) {
            return c;
        }
        log.debug("The leader Raft client turns to n{} (it pointed at {})", leader, c.getLeaderId());
        return replace(c, RatisConfig.peerId(leader));
    }

    /** Replaces the leader client {@code c} by a fresh one starting at {@code leader} (null: unknown). */
    private RaftClient replace(RaftClient c, RaftPeerId leader) {
        RaftClient fresh;
        synchronized (this) {
            if (leaderClient != c) {
                return leaderClient;
            }
            fresh = newLeaderClient(leader);
            leaderClient = fresh;
        }
        closeInBackground(c);
        return fresh;
    }

    /**
     * Closes a replaced client on a thread of its own: closing waits up to 3 s for its gRPC channel to the old
     * leader to shut down gracefully, which a leader cut off from this node never lets happen, and the entry that
     * triggered the replacement (often a session moving here) must not wait for that (found by PartitionIT: the
     * close held each session move through a follower for those 3 s).
     */
    private static void closeInBackground(RaftClient c) {
        Thread closer = new Thread(() -> {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                log.debug("Closing the previous Raft client failed: {}", e.toString());
            }
        }, "canopy-raft-client-close");
        closer.setDaemon(true);
        closer.start();
    }

    /**
     * How long one attempt of the leader client may wait for an answer: the whole request timeout. An attempt
     * to a deposed leader does not wait that long: this node's server learns of the new leader within an election
     * timeout and {@link #followLeader} replaces the client, and a leader that died refuses the connection at
     * once. A slow but live leader (the first seconds of a cold cluster under load: compilation, GC pauses) is
     * waited for, because a timed-out attempt costs far more in Ratis 3.3.0: the client turns to a random other
     * member and closes its connection to the leader on its timer thread, which blocks up to 3 s for the gRPC
     * channel to end, before it retries, and every later request waits behind the first on the ordered stream
     * (when runs went through this client, attempts of one election timeout (1 s) stalled a cold 3-node
     * cluster's creates for 5.8-7.1 s in 3 of 11 runs of compare.sh, each after an attempt timed out).
     */
    static Duration attemptTimeout(ReplicationSettings s) {
        return s.requestTimeout();
    }

    /**
     * Bounded retries, so that a write without a majority fails within about the request timeout and a retried
     * request never outlives the leader's retry cache (exactly-once): an attempt that timed out is retried once
     * (this node has failed the entry by then, see {@link Deadlines}; the retry only settles its outcome), fast
     * refusals (not the leader, no leader yet, a dropped connection) every 100 ms for the request timeout.
     */
    static RetryPolicy retryPolicy(ReplicationSettings s) {
        TimeDuration pause = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
        int timeouts = 1;   // an attempt lasts the whole request timeout (attemptTimeout)
        int refusals = (int) Math.max(1, s.requestTimeout().toMillis() / 100);
        return ExceptionDependentRetry.newBuilder()
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(refusals, pause))
                .setExceptionToPolicy(TimeoutIOException.class,
                        RetryPolicies.retryUpToMaximumCountWithFixedSleep(timeouts, pause))
                .setMaxAttempts(refusals + timeouts)
                .build();
    }

    /**
     * A client for one membership change. Failed attempts are retried against other peers until a leader answers,
     * for at most about the request timeout; a timeout or a refusal is final, since retrying a change that may
     * still be under way would only be refused as "in progress". Its request timeout covers new members catching
     * up.
     */
    RaftClient newAdminClient() {
        int attempts = (int) Math.max(5, settings.requestTimeout().toMillis() / 200);
        ExceptionDependentRetry retry = ExceptionDependentRetry.newBuilder()
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .setExceptionToPolicy(ReconfigurationInProgressException.class, RetryPolicies.noRetry())
                .setExceptionToPolicy(ReconfigurationTimeoutException.class, RetryPolicies.noRetry())
                .setExceptionToPolicy(TimeoutIOException.class, RetryPolicies.noRetry())
                .build();
        return newClient(adminTimeout(settings), retry, null);
    }

    /** How long one membership change may take, new members' catch-up included. */
    static Duration adminTimeout(ReplicationSettings s) {
        return s.requestTimeout().multipliedBy(3);
    }

    /**
     * A Ratis client of the current configuration's peers (a joining node's static group has none; later changes
     * reach the client with the leaders' answers) whose every attempt waits at most {@code attemptTimeout},
     * starting at {@code leader} if known.
     */
    private RaftClient newClient(Duration attemptTimeout, RetryPolicy retry, RaftPeerId leader) {
        RaftProperties properties = RatisConfig.properties(settings);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, RatisConfig.millis(attemptTimeout));
        RaftClient.Builder b = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, knownPeers.get()))
                .setProperties(properties)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(retry);
        if (leader != null) {
            b.setLeaderId(leader);
        }
        return b.build();
    }

    @Override
    public void close() throws IOException {
        RaftClient c = leaderClient;
        if (c != null) {
            c.close();
        }
    }
}
