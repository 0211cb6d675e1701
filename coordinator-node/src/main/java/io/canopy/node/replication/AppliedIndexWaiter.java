package io.canopy.node.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * "Wait until this node has applied index i". Written here because Ratis 3.3.0's BaseStateMachine only releases
 * its queryStale waiters when the applied index is set to the same value twice (a bug since RATIS-207).
 * One lock: the apply thread holds it only to hand over the futures that became ready.
 */
final class AppliedIndexWaiter {
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private long applied;
    private boolean closed;

    /** Completes once {@link #advanceTo} has reached {@code index}; fails if the waiter is closed first. */
    CompletableFuture<Void> await(long index) {
        synchronized (waiters) {
            if (index <= applied) {
                return CompletableFuture.completedFuture(null);
            }
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("replication is closed"));
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiters.computeIfAbsent(index, k -> new ArrayList<>(2)).add(f);
            return f;
        }
    }

    void advanceTo(long index) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (waiters) {
            applied = Math.max(applied, index);
            Map.Entry<Long, List<CompletableFuture<Void>>> e;
            while ((e = waiters.firstEntry()) != null && e.getKey() <= applied) {
                ready.addAll(waiters.pollFirstEntry().getValue());
            }
        }
        ready.forEach(f -> f.complete(null));   // outside the lock: callbacks may run inline
    }

    long applied() {
        synchronized (waiters) {
            return applied;
        }
    }

    void close() {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        synchronized (waiters) {
            closed = true;
            waiters.values().forEach(pending::addAll);
            waiters.clear();
        }
        IllegalStateException cause = new IllegalStateException("replication is closed");
        pending.forEach(f -> f.completeExceptionally(cause));
    }
}
