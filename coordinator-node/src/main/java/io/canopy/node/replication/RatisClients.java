package io.canopy.node.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * The Ratis clients of one node: the forwarding client, which sends this node's runs to the leader while it
 * does not lead (one ordered stream that follows the leader this node's server follows), and a client per
 * membership change. Every client knows the current configuration's peers and waits a bounded time per attempt.
 */
final class RatisClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisClients.class);
    /** How long {@link #abandon} waits for the client to turn from a deposed leader. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(1);

    private final ReplicationSettings settings;
    private final RaftGroupId groupId;
    private final Supplier<List<RaftPeer>> knownPeers;
    private final IntSupplier leaderNodeId;

    private volatile RaftClient forwarding;
    /** Runs sent through {@link #forwarding} whose answer has not come yet. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** A forwarding client whose ordered stream Ratis failed for good ({@link #streamFailed}), to be replaced. */
    private volatile RaftClient failed;
    /** The client and leader of the last {@link #abandon} (submitting thread only), so a connection is dropped once. */
    private RaftClient abandonedClient;
    private RaftPeerId abandonedLeader;

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
     * Sends one of this node's runs ({@link ForwardedRun}) to the leader through the forwarding client
     * (submitting thread only): a read in Ratis's sense, answered by the leader once it has queued the run.
     */
    CompletableFuture<RaftClientReply> forward(Message message) {
        RaftClient client = followLeader(leaderNodeId.getAsInt());
        inFlight.incrementAndGet();
        return client.async().sendReadOnlyNonLinearizable(message).whenComplete((r, e) -> {
            if (e != null && streamFailed(e)) {
                failed = client;
            }
            inFlight.decrementAndGet();
        });
    }

    /**
     * Sends one entry through a client of its own, made for it from the current configuration's peers and closed
     * once it is answered: for a node that has just left the configuration. Its forwarding client may know none of
     * the current members (it was made when the node first forwarded, and is renewed only when this node's server
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
     * changes, on the submitting thread like {@link #forward} (the two must not race: a client replaced here
     * while an entry is being sent on it would fail that entry), so that entries in flight to a deposed leader
     * move on at once rather than at the next entry this node sends.
     */
    void leaderChanged(int leader) {
        if (forwarding != null) {
            followLeader(leader);
        }
    }

    /** Whether Ratis has failed the current forwarding client's ordered stream (it is replaced on next use). */
    boolean forwardingFailed() {
        RaftClient c = forwarding;
        return c != null && c == failed;
    }

    /** How many runs sent through the forwarding client await their answer. */
    int inFlight() {
        return inFlight.get();
    }

    /** The forwarding client, created on first use. */
    RaftClient forwarding() {
        RaftClient c = forwarding;
        if (c == null) {
            synchronized (this) {
                c = forwarding;
                if (c == null) {
                    c = newForwarding(null);
                    forwarding = c;
                }
            }
        }
        return c;
    }

    /** The client that forwards this node's runs, starting at {@code leader} if known. */
    private RaftClient newForwarding(RaftPeerId leader) {
        return newClient(attemptTimeout(settings), retryPolicy(settings), leader);
    }

    /**
     * The forwarding client, replaced first if Ratis failed its ordered stream ({@link #streamFailed}), and made
     * to follow the leader this node's own Raft server follows. A Ratis client learns of a new leader only from an
     * answer, and a deposed leader cut off from this node never answers: the client would wait out a whole attempt
     * on it, while this node's server already follows the new leader (found by PartitionIT: sessions moving to a
     * follower took longer than the client's connect timeout, and entries issued at a leader's isolation held back
     * the new leader's own first writes). So when this node's server knows a leader other than the client's:
     * <ul>
     * <li>with none of our runs in flight, a fresh client starts at that leader and the old one is closed (a
     * new client is a new ordered stream, so this is only done when there is no order to keep);</li>
     * <li>with runs in flight, the client's connection to its leader is dropped: Ratis fails the runs in flight
     * on it and the same client retries them, in order, at another member, which answers or names the leader (a
     * run the old leader had already put in an entry then comes twice, and apply skips the copy; the batcher has
     * meanwhile failed those runs' transactions and started a new stream, see {@link TxnBatcher}). Should all of
     * them have been answered meanwhile, the client is replaced as above.</li>
     * </ul>
     */
    private RaftClient followLeader(int leader) {
        RaftClient c = forwarding();
        if (failed == c) {
            log.info("The forwarding Raft client gave up on a run: a new client takes this node's next runs");
            return replace(c, leader > 0 && leader != settings.nodeId() ? RatisConfig.peerId(leader) : null);
        }
        RaftPeerId clientLeader = c.getLeaderId();
        if (leader <= 0 || RatisConfig.peerId(leader).equals(clientLeader)) {
            return c;
        }
        if (inFlight.get() != 0 && clientLeader != null) {
            abandon(c, clientLeader, leader);
            if (inFlight.get() != 0) {
                return c;   // it has left the old leader, its retries find the new one
            }
        }
        if (leader == settings.nodeId()) {
            return c;   // this node leads: its next runs go into its own entries
        }
        log.debug("Forwarding writes to the new leader n{} (the Raft client pointed at {})", leader, clientLeader);
        return replace(c, RatisConfig.peerId(leader));
    }

    /** Replaces the forwarding client {@code c} by a fresh one starting at {@code leader} (null: unknown). */
    private RaftClient replace(RaftClient c, RaftPeerId leader) {
        RaftClient fresh;
        synchronized (this) {
            if (forwarding != c) {
                return forwarding;
            }
            fresh = newForwarding(leader);
            forwarding = fresh;
        }
        closeInBackground(c);
        return fresh;
    }

    /**
     * Drops {@code client}'s connection to {@code stale} (once while the client stays there) and waits until the
     * client has turned from it, which Ratis does as it handles the first entry failed by the drop (milliseconds), or
     * until nothing is in flight any more: an entry sent before that would go to the deposed leader again. The
     * drop itself runs on a thread of its own, because Ratis then waits up to 3 s for the gRPC channel to end
     * gracefully (5 s with the forced close), which a leader cut off from this node never lets happen.
     */
    private void abandon(RaftClient client, RaftPeerId stale, int leader) {
        if (client == abandonedClient && stale.equals(abandonedLeader)) {
            return;
        }
        abandonedClient = client;
        abandonedLeader = stale;
        log.info("This node follows {} while {} of its runs await an answer from {}: dropping the connection to {}"
                + " so that they are retried at the leader", leader == settings.nodeId() ? "itself as leader"
                : "leader n" + leader, inFlight.get(), stale, stale);
        Thread t = new Thread(() -> {
            try {
                client.getClientRpc().handleException(stale,
                        new IOException("this node follows leader n" + leader + ", not " + stale), true);
            } catch (RuntimeException e) {
                log.debug("Dropping the connection to {} failed: {}", stale, e.toString());
            }
        }, "canopy-raft-client-reset");
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + ABANDON_WAIT.toNanos();
        while (stale.equals(client.getLeaderId()) && inFlight.get() != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        if (!stale.equals(client.getLeaderId())) {
            abandonedClient = null;   // it left: should it return there and find that member deposed again, drop again
        }
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
     * How long one attempt of the forwarding client may wait for an answer: the whole request timeout. An attempt
     * to a deposed leader does not wait that long: this node's server learns of the new leader within an election
     * timeout and {@link #followLeader} drops the connection, and a leader that died refuses the connection at
     * once. A slow but live leader (the first seconds of a cold cluster under load: compilation, GC pauses) is
     * waited for, because a timed-out attempt costs far more in Ratis 3.3.0: the client turns to a random other
     * member and closes its connection to the leader on its timer thread, which blocks up to 3 s for the gRPC
     * channel to end, before it retries, and every later entry of this node waits behind the first on the ordered
     * stream. With attempts of one election timeout (1 s), a cold 3-node cluster stalled creates for 5.8-7.1 s
     * in 3 of 11 runs of compare.sh, each after an attempt timed out.
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
        RaftClient c = forwarding;
        if (c != null) {
            c.close();
        }
    }
}
