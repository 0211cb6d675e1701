package io.canopy.node.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The Ratis clients of one node: the forwarding client, which sends this node's entries to the leader while it
 * does not lead (one ordered stream, re-pointed at a new leader when nothing is in flight), and a client per
 * membership change. Every client knows the current configuration's peers and waits a bounded time per attempt.
 */
final class RatisClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RatisClients.class);

    private final ReplicationSettings settings;
    private final RaftGroupId groupId;
    private final Supplier<List<RaftPeer>> knownPeers;
    private final IntSupplier leaderNodeId;

    private volatile RaftClient forwarding;
    /** Entries sent through {@link #forwarding} whose reply has not come yet. */
    private final AtomicInteger inFlight = new AtomicInteger();

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

    /** Sends one entry to the leader through the forwarding client (submitting thread only). */
    CompletableFuture<RaftClientReply> forward(Message message) {
        RaftClient client = forwardingAtLeader();
        inFlight.incrementAndGet();
        return client.async().send(message).whenComplete((r, e) -> inFlight.decrementAndGet());
    }

    /** How many entries sent through the forwarding client await their reply. */
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

    /** The client that forwards this node's entries, starting at {@code leader} if known. */
    private RaftClient newForwarding(RaftPeerId leader) {
        return newClient(attemptTimeout(settings), retryPolicy(settings), leader);
    }

    /**
     * The forwarding client for the next entry. A Ratis client learns of a new leader only from an answer, and a
     * deposed leader cut off from this node never answers: the client would spend a whole attempt on it, while
     * this node's own server already follows the new leader (found by PartitionIT: sessions moving to a follower
     * took longer than the client's connect timeout). So when this node's server knows a leader other than the
     * client's, and none of our entries is in flight on the old client (their order must hold: a new client is a
     * new ordered stream), a fresh client starts at that leader and the old one is closed.
     */
    private RaftClient forwardingAtLeader() {
        RaftClient c = forwarding();
        int leader = leaderNodeId.getAsInt();
        if (leader <= 0 || leader == settings.nodeId() || inFlight.get() != 0
                || RatisConfig.peerId(leader).equals(c.getLeaderId())) {
            return c;
        }
        RaftClient fresh;
        synchronized (this) {
            if (forwarding != c) {
                return forwarding;
            }
            fresh = newForwarding(RatisConfig.peerId(leader));
            forwarding = fresh;
        }
        log.debug("Forwarding writes to the new leader n{} (the Raft client pointed at {})", leader, c.getLeaderId());
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
     * How long one attempt of the forwarding client may wait for an answer before it tries another peer: the
     * shortest election timeout (at least 1 s). A leader cut off from this node never answers (its replies are
     * lost, not refused), and this node's entries in flight to it hold every later entry of the node back (a
     * few batches in flight at most, one ordered stream): with the whole request timeout per attempt a follower
     * kept sending to a deposed leader for 10 s while it already knew the new one, and with the longest election
     * timeout (3 s in PartitionIT) entries issued at a leader's isolation took two or three attempts, 6-12 s,
     * holding back the new leader's own first writes for up to 8.5 s (found by PartitionIT). A slow but live
     * leader only costs a retry, which its retry cache answers with the first attempt's outcome: entries are
     * replicated in milliseconds, the queueing of a loaded node happens before an entry is sent.
     */
    static Duration attemptTimeout(ReplicationSettings s) {
        Duration d = s.electionTimeoutMin();
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /**
     * Bounded retries, so that a write without a majority fails within about the request timeout and a retried
     * request never outlives the leader's retry cache (exactly-once): attempts that time out are retried until
     * the request timeout is covered; fast refusals (not the leader, no leader yet) every 100 ms for as long.
     */
    static RetryPolicy retryPolicy(ReplicationSettings s) {
        TimeDuration pause = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);
        long timeouts = Math.max(1, s.requestTimeout().toMillis() / attemptTimeout(s).toMillis());
        long refusals = Math.max(1, s.requestTimeout().toMillis() / 100);
        return ExceptionDependentRetry.newBuilder()
                .setDefaultPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) refusals, pause))
                .setExceptionToPolicy(TimeoutIOException.class,
                        RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) timeouts, pause))
                .setMaxAttempts((int) (refusals + timeouts))
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
