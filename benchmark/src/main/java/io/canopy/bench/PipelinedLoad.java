package io.canopy.bench;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;

/**
 * Closed-loop load: every session keeps {@code outstanding} async requests in flight, issuing the next one from
 * the callback of the previous. Latency is measured from the async call to its callback, so it includes the
 * client's own queueing, as an application would see it.
 *
 * <p>Errors never stop the loop, but a lost connection would make it spin on instant failures, so after any
 * error the next request is issued from a scheduler after a short pause (also keeps the stack flat when a
 * closed client answers synchronously).
 */
final class PipelinedLoad {

    /** How long to wait, after the window ends, for the in-flight requests to be answered. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final long PAUSE_AFTER_CONNECTION_ERROR_MS = 100;

    /** Issues one async request on {@code zk} and calls {@code done} exactly once with the result code. */
    interface Operation {
        void issue(ZooKeeper zk, int session, Completion done);
    }

    /** The result of one request, as a {@link Code#intValue()}. */
    interface Completion {
        void done(int rc);
    }

    private final List<ZooKeeper> clients;
    private final int outstanding;
    private final Measurement measurement;
    private final Operation operation;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Failed requests by ZooKeeper result code, over the whole run (warm-up and drain included). */
    private final Map<Integer, LongAdder> errorCodes = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-retry");
        t.setDaemon(true);
        return t;
    });

    PipelinedLoad(List<ZooKeeper> clients, int outstanding, Measurement measurement, Operation operation) {
        this.clients = clients;
        this.outstanding = outstanding;
        this.measurement = measurement;
        this.operation = operation;
    }

    /** Runs until the measured window is over and the in-flight requests drained; returns the status. */
    String run() throws InterruptedException {
        try {
            inFlight.addAndGet(clients.size() * outstanding);
            for (int s = 0; s < clients.size(); s++) {
                for (int i = 0; i < outstanding; i++) {
                    issue(s);
                }
            }
            long sleepMs = TimeUnit.NANOSECONDS.toMillis(measurement.endNanos() - System.nanoTime());
            if (sleepMs > 0) {
                Thread.sleep(sleepMs); // the window's length is the point here, not a condition
            }
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            synchronized (inFlight) {
                while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                    inFlight.wait(100);
                }
            }
            int left = inFlight.get();
            return left == 0 ? "ok" : "cut: " + left + " requests unanswered after the window";
        } finally {
            retries.shutdownNow();
            if (!errorCodes.isEmpty()) {
                BenchRun.log("failed requests by result code: " + errorsByCode());
            }
        }
    }

    /** The failed requests by result code, most frequent first, e.g. {@code CONNECTIONLOSS 3200, NONODE 12}. */
    String errorsByCode() {
        return errorCodes.entrySet().stream()
                .sorted(Map.Entry.<Integer, LongAdder>comparingByValue(
                        Comparator.comparingLong(LongAdder::sum)).reversed())
                .map(e -> {
                    Code code = Code.get(e.getKey());
                    return (code == null ? "rc " + e.getKey() : code.name()) + " " + e.getValue().sum();
                })
                .collect(Collectors.joining(", "));
    }

    private void issue(int session) {
        if (measurement.over()) {
            retire();
            return;
        }
        long issued = System.nanoTime();
        try {
            operation.issue(clients.get(session), session, rc -> completed(session, issued, rc));
        } catch (RuntimeException e) {
            completed(session, issued, Code.SYSTEMERROR.intValue());
        }
    }

    private void completed(int session, long issued, int rc) {
        if (rc == Code.OK.intValue()) {
            measurement.success(issued);
            issue(session);
            return;
        }
        measurement.error();
        errorCodes.computeIfAbsent(rc, k -> new LongAdder()).increment();
        long pause = isConnectionProblem(rc) ? PAUSE_AFTER_CONNECTION_ERROR_MS : 0;
        try {
            retries.schedule(() -> issue(session), pause, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            retire();
        }
    }

    /** One of the closed loop's slots ends: the window is over (or the scheduler is gone). */
    private void retire() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (inFlight) {
                inFlight.notifyAll();
            }
        }
    }

    private static boolean isConnectionProblem(int rc) {
        return rc == Code.CONNECTIONLOSS.intValue() || rc == Code.SESSIONEXPIRED.intValue()
                || rc == Code.SESSIONMOVED.intValue() || rc == Code.OPERATIONTIMEOUT.intValue()
                || rc == Code.SYSTEMERROR.intValue();
    }
}
