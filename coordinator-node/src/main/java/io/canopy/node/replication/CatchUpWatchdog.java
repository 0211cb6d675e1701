package io.canopy.node.replication;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unsticks a follower that the leader no longer replicates to. Ratis's leader never lowers a follower's next
 * index below the match index that follower once acknowledged (RATIS-1883, RATIS-1909), and after errors it may
 * keep sending only heartbeats; a follower that lost its log (a wiped or replaced disk) or whose appender got
 * stuck across a crash then answers INCONSISTENCY forever and never catches up. A new leader starts with fresh
 * follower state, so when this follower's log has not moved for several checks in a row while the leader has
 * applied entries beyond it, the follower asks the leader to hand leadership to another member. One hand-over
 * costs a pause of about an election timeout; hand-overs are spaced by {@code backoff}.
 *
 * <p>The leader's applied index is asked with a read-only message that its state machine answers from memory
 * ({@link #PROBE}); it is not logged.
 */
final class CatchUpWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpWatchdog.class);
    /** Tag of the leader-applied-index probe (see {@link CanopyStateMachine#query}). */
    static final byte PROBE = 'P';
    /** Checks in a row without log progress before asking for a hand-over. */
    static final int STUCK_CHECKS = 4;

    private final int selfId;
    /** The current voters: only a voter can take over leadership (never an observer). */
    private final Supplier<List<Integer>> voterIds;
    private final IntSupplier leaderId;
    private final LongSupplier logNextIndex;
    private final Supplier<RaftClient> client;
    private final Duration interval;
    private final Duration backoff;
    private final ScheduledExecutorService scheduler;
    private long lastNextIndex = -1;
    private int stuckChecks;
    private long lastHandOverNanos;

    CatchUpWatchdog(int selfId, Supplier<List<Integer>> voterIds, IntSupplier leaderId, LongSupplier logNextIndex,
                    Supplier<RaftClient> client, Duration interval, Duration backoff) {
        this.selfId = selfId;
        this.voterIds = voterIds;
        this.leaderId = leaderId;
        this.logNextIndex = logNextIndex;
        this.client = client;
        this.interval = interval;
        this.backoff = backoff;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-catch-up-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.lastHandOverNanos = System.nanoTime() - backoff.toNanos();
    }

    void start() {
        scheduler.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    static Message probe() {
        return Message.valueOf(ByteString.copyFrom(new byte[] {PROBE}));
    }

    static boolean isProbe(ByteString content) {
        return content.size() == 1 && content.byteAt(0) == PROBE;
    }

    static Message probeAnswer(long appliedIndex) {
        return Message.valueOf(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, appliedIndex)));
    }

    void check() {
        try {
            int leader = leaderId.getAsInt();
            if (leader == selfId) {
                stuckChecks = 0;
                return;
            }
            if (leader < 0) {
                return;   // an election is going on: neither progress nor lack of it
            }
            long next = logNextIndex.getAsLong();
            boolean moved = next != lastNextIndex;
            lastNextIndex = next;
            if (moved) {
                stuckChecks = 0;
                return;
            }
            RaftClientReply reply = client.get().io().sendReadOnlyNonLinearizable(probe());
            long leaderApplied = reply.isSuccess() && reply.getMessage() != null
                    && reply.getMessage().getContent().size() == 8
                    ? reply.getMessage().getContent().asReadOnlyByteBuffer().getLong() : -1;
            if (leaderApplied < next) {
                stuckChecks = 0;   // nothing to catch up with (an idle cluster)
                return;
            }
            stuckChecks++;
            LOG.info("This node's log has not moved from index {} while leader n{} has applied {} ({}/{} checks)",
                    next, leader, leaderApplied, stuckChecks, STUCK_CHECKS);
            if (stuckChecks < STUCK_CHECKS || System.nanoTime() - lastHandOverNanos < backoff.toNanos()) {
                return;
            }
            handOver(leader, next, leaderApplied);
        } catch (Exception e) {
            LOG.warn("Catch-up check failed: {}", e.toString());
        }
    }

    private void handOver(int leader, long next, long leaderApplied) throws Exception {
        Integer target = voterIds.get().stream().filter(id -> id != selfId && id != leader).findFirst().orElse(null);
        lastHandOverNanos = System.nanoTime();
        stuckChecks = 0;
        if (target == null) {
            LOG.warn("This node's log is stuck at index {} while leader n{} has applied {}, and no other member "
                    + "could take over; restart the leader to bring this node up to date", next, leader,
                    leaderApplied);
            return;
        }
        LOG.warn("This node's log is stuck at index {} while leader n{} has applied {} (the leader keeps probing "
                + "this node at an index it acknowledged before losing it). Asking n{} to hand leadership to n{}, "
                + "whose fresh view of the followers brings this node up to date.", next, leader, leaderApplied,
                leader, target);
        RaftClientReply reply = client.get().admin().transferLeadership(RaftPeerId.valueOf("n" + target),
                interval.multipliedBy(5).toMillis());
        LOG.info("Leadership hand-over to n{} {}", target, reply.isSuccess() ? "done" : "failed: " + reply);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
