package io.canopy.node.replication;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot trigger by bytes, ZooKeeper's {@code zookeeper.snapSizeLimitInKb}: a snapshot is due once the log
 * entries applied since the last snapshot add up to the threshold, whatever their count. Ratis 3.3.0 triggers
 * snapshots only by entry count ({@code raft.server.snapshot.auto.trigger.threshold}), so the state machine counts
 * the bytes itself and asks Ratis for a snapshot with a {@code SnapshotManagementRequest}: Ratis's apply thread then
 * calls {@code takeSnapshot} at its next turn, as for its own trigger.
 *
 * <p>The request is sent from this class's own thread, never from Ratis's apply thread: {@code
 * RaftServerImpl.executeSubmitServerRequestAsync} waits ({@code join}) for Ratis's server executor, and the apply
 * thread must neither wait nor call into Ratis. At most one request is in flight.
 *
 * <p>Threads: {@link #applied}, {@link #captured}, {@link #reset} and {@link #due} run on Ratis's apply thread
 * (the byte counts are its own); {@link #request} hands over to the trigger thread.
 */
final class LogBytesTrigger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogBytesTrigger.class);
    /** After a refused or failed request, wait before the next one (each would log the same thing). */
    private static final long RETRY_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long thresholdBytes;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile long retryNotBeforeNanos = System.nanoTime();
    /** Null when the trigger is off. */
    private final ExecutorService thread;

    // Apply thread only.
    /** Bytes of the entries applied since this member loaded its state (start-up or a snapshot installed). */
    private long appliedBytes;
    /** {@link #appliedBytes} when the latest durable snapshot was captured. */
    private long durableMark;
    /** The snapshot being written: its index (-1 if none) and {@link #appliedBytes} when it was captured. */
    private long pendingIndex = -1;
    private long pendingMark;

    /** @param thresholdBytes bytes of applied entries after which a snapshot is due; 0 or less: never by bytes */
    LogBytesTrigger(long thresholdBytes) {
        this.thresholdBytes = thresholdBytes;
        this.thread = thresholdBytes <= 0 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "canopy-snapshot-trigger");
            t.setDaemon(true);
            return t;
        });
    }

    boolean enabled() {
        return thresholdBytes > 0;
    }

    /** An entry of {@code bytes} (its serialized size, as written in the log) was applied. */
    void applied(long bytes) {
        appliedBytes += bytes;
    }

    /** The state was replaced by a snapshot (start-up, or installed from the leader): nothing counts before it. */
    void reset() {
        appliedBytes = 0;
        durableMark = 0;
        pendingIndex = -1;
    }

    /** A snapshot of the state at {@code index} was captured; its write may still fail. */
    void captured(long index) {
        pendingIndex = index;
        pendingMark = appliedBytes;
    }

    /**
     * The bytes applied since the latest durable snapshot was captured. A failed write does not count: the bytes
     * since the snapshot before it stay due.
     */
    long sinceSnapshot(long durableIndex) {
        if (pendingIndex >= 0 && durableIndex >= pendingIndex) {
            durableMark = pendingMark;
            pendingIndex = -1;
        }
        return appliedBytes - durableMark;
    }

    /** Whether the bytes since the latest durable snapshot reached the threshold. */
    boolean due(long durableIndex) {
        return enabled() && sinceSnapshot(durableIndex) >= thresholdBytes;
    }

    /**
     * Sends {@code send}'s request on the trigger thread unless one is in flight or a failure is being backed off
     * from. Never waits.
     */
    void request(Supplier<CompletableFuture<RaftClientReply>> send, String why) {
        if (thread == null || System.nanoTime() - retryNotBeforeNanos < 0 || !inFlight.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                CompletableFuture<RaftClientReply> reply;
                try {
                    reply = send.get();
                } catch (RuntimeException e) {
                    reply = CompletableFuture.failedFuture(e);
                }
                reply.whenComplete((r, e) -> {
                    if (e != null || r == null || !r.isSuccess()) {
                        retryNotBeforeNanos = System.nanoTime() + RETRY_AFTER_FAILURE_NANOS;
                        log.warn("Asking Ratis for a snapshot ({}) failed, retrying in 10 s at the earliest: {}", why,
                                e != null ? e.toString() : r == null ? "no reply" : String.valueOf(r.getException()));
                    } else {
                        log.debug("Ratis answered the snapshot request ({}) with index {}", why, r.getLogIndex());
                    }
                    inFlight.set(false);
                });
            });
        } catch (RuntimeException e) {   // rejected: closed
            inFlight.set(false);
        }
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdown();
        }
    }
}
