package io.canopy.node.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Lock-free node-wide counters, updated from every event loop and from the apply thread. */
final class ServerStats {
    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder latencyTotal = new LongAdder();
    private final LongAdder latencyCount = new LongAdder();
    private final AtomicLong minLatency = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong maxLatency = new AtomicLong();
    private final AtomicInteger pendingSyncs = new AtomicInteger();

    void packetReceived() {
        received.increment();
    }

    void packetsSent(int count) {
        sent.add(count);
    }

    void latency(long millis) {
        latencyTotal.add(millis);
        latencyCount.increment();
        minLatency.accumulateAndGet(millis, Math::min);
        maxLatency.accumulateAndGet(millis, Math::max);
    }

    /** A client's sync is waiting for its barrier entry. */
    void syncStarted() {
        pendingSyncs.incrementAndGet();
    }

    void syncEnded() {
        pendingSyncs.decrementAndGet();
    }

    int pendingSyncs() {
        return pendingSyncs.get();
    }

    long received() {
        return received.sum();
    }

    long sent() {
        return sent.sum();
    }

    long minLatency() {
        long min = minLatency.get();
        return min == Long.MAX_VALUE ? 0 : min;
    }

    long maxLatency() {
        return maxLatency.get();
    }

    double avgLatency() {
        long count = latencyCount.sum();
        return count == 0 ? 0 : (double) latencyTotal.sum() / count;
    }
}
