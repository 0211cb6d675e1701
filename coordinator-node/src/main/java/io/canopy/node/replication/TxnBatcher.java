package io.canopy.node.replication;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;

/**
 * Adaptive batching of ZooKeeper transactions into log entries. Ratis costs about a millisecond per entry on a
 * 2-core machine whatever the entry's size, so throughput comes from putting many transactions in one entry:
 * while {@code maxInFlight} entries are being replicated, everything that arrives waits in the queue and leaves
 * together in the next entry, capped by count and bytes. Under light load a transaction leaves at once (no
 * timer, no added latency); under heavy load batches grow by themselves.
 *
 * <p>Entries are formed under the batcher's lock and handed, in that order, to one submitting thread, so log
 * order is the order of {@link #submit} calls, which keeps each session's writes in FIFO order. No lock of ours
 * is held while Ratis is called: the apply thread completes entries and takes this lock, and Ratis may make a
 * submission wait for its own locks, so holding the lock across the call could deadlock (it froze a new
 * leader's client port in ClusterLinearizabilityIT).
 */
final class TxnBatcher {
    private static final Logger log = LoggerFactory.getLogger(TxnBatcher.class);

    /** Per-transaction framing overhead in an entry (ids, lengths), an upper bound used for the byte cap. */
    private static final int TXN_OVERHEAD_BYTES = 64;

    private final Function<byte[], CompletableFuture<Long>> submitter;
    private final Clock clock;
    private final int maxOps;
    private final int maxBytes;
    private final int maxInFlight;

    private final Object lock = new Object();
    private final ExecutorService submitThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-log-submitter");
        t.setDaemon(true);
        return t;
    });
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;
    private boolean closed;

    // Counters for metrics and the four-letter words.
    private long entriesSubmitted;
    private long txnsSubmitted;

    private record Pending(Txn txn, int bytes, CompletableFuture<Void> done) {
    }

    TxnBatcher(Function<byte[], CompletableFuture<Long>> submitter, Clock clock, int maxOps, int maxBytes,
               int maxInFlight) {
        this.submitter = submitter;
        this.clock = clock;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.maxInFlight = maxInFlight;
    }

    CompletableFuture<Void> submit(Txn txn) {
        int bytes = size(txn);
        if (bytes > maxBytes) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "transaction of " + bytes + " bytes exceeds the entry limit of " + maxBytes));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("replication is closed"));
            }
            queue.add(new Pending(txn, bytes, done));
            dispatch();
        }
        return done;
    }

    /** Sends queued transactions while there is room in flight. Caller holds the lock. */
    private void dispatch() {
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            List<Pending> batch = takeBatch();
            List<Txn> txns = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                txns.add(p.txn());
            }
            byte[] entry = BatchCodec.encode(new Batch(clock.millis(), txns));
            inFlight++;
            entriesSubmitted++;
            txnsSubmitted += txns.size();
            try {
                submitThread.execute(() -> submitEntry(entry, batch));
            } catch (RejectedExecutionException e) {
                inFlight--;
                failAll(batch, new IllegalStateException("replication is closed"));
            }
        }
    }

    /** On the submitting thread, in dispatch order. */
    private void submitEntry(byte[] entry, List<Pending> batch) {
        CompletableFuture<Long> result;
        try {
            result = submitter.apply(entry);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((index, error) -> finished(batch, error));
    }

    /** Runs {@code task} on the submitting thread, after the entries handed to it so far (dropped once closed). */
    void onSubmitter(Runnable task) {
        try {
            submitThread.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("Replication is closed: not running {}", task);
        }
    }

    private static void failAll(List<Pending> batch, Throwable error) {
        for (Pending p : batch) {
            p.done().completeExceptionally(error);
        }
    }

    private List<Pending> takeBatch() {
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxOps));
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < maxOps && bytes + queue.peek().bytes() <= maxBytes) {
            Pending p = queue.poll();
            bytes += p.bytes();
            batch.add(p);
        }
        return batch;
    }

    private void finished(List<Pending> batch, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            log.warn("A log entry of {} transaction(s) was not confirmed committed ({}); its requests fail (their"
                    + " clients see connection loss and retry)", batch.size(), cause.toString());
        }
        for (Pending p : batch) {
            if (error == null) {
                p.done().complete(null);
            } else {
                p.done().completeExceptionally(error);
            }
        }
        synchronized (lock) {
            inFlight--;
            if (!closed) {
                dispatch();
            }
        }
    }

    static int size(Txn txn) {
        int ids = 0;
        for (var id : txn.identities()) {
            ids += id.getScheme().length() + id.getId().length() + 8;
        }
        return txn.body().length + ids + TXN_OVERHEAD_BYTES;
    }

    long entriesSubmitted() {
        synchronized (lock) {
            return entriesSubmitted;
        }
    }

    long txnsSubmitted() {
        synchronized (lock) {
            return txnsSubmitted;
        }
    }

    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    void close() {
        List<Pending> dropped;
        synchronized (lock) {
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
        }
        submitThread.shutdown();
        failAll(dropped, new IllegalStateException("replication is closed"));
    }
}
