package io.canopy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

import io.canopy.bench.BenchOptions.Workload;
import io.canopy.bench.Measurement.Result;

/**
 * Session churn, the life of a short-lived client (a cron job, a CLI, a lock holder): connect and create a
 * session, create an ephemeral node, close the session (which deletes the ephemeral). {@code
 * --churn-concurrency} threads run such cycles back to back.
 *
 * <p>Latency is session creation + the ephemeral's create: what a short-lived client waits for before it can work.
 * The close runs on a pool of closers because the official 3.9 client's {@code close()} joins its I/O thread,
 * which sleeps a fixed 100 ms in its socket cleanup: timing it would measure that sleep, not the server. Closes
 * still bound the rate: at most {@link #PENDING_CLOSES} sessions may be closing at once, so the sessions/s
 * reported are sessions that were also closed (within the drain). A loop takes its close permit before it
 * connects, so the rate is at most {@code PENDING_CLOSES / (connect + create + close)}: about 600/s with the
 * client's 100 ms, and a millisecond of server latency more in a cycle costs about 1 %. The close times are
 * logged to show it.
 */
final class SessionChurn {

    /** One cycle that takes longer than this fails (and the next starts) rather than stalling the run. */
    private static final Duration CYCLE_LIMIT = Duration.ofSeconds(10);
    private static final int PENDING_CLOSES = 64;

    private final BenchOptions options;
    private final Clients clients;
    private final ZooKeeper control;
    private final String parent;
    private final Semaphore closing = new Semaphore(PENDING_CLOSES);
    private final ExecutorService closers = Executors.newFixedThreadPool(PENDING_CLOSES, r -> {
        Thread t = new Thread(r, "churn-closer");
        t.setDaemon(true);
        return t;
    });

    SessionChurn(BenchOptions options, Clients clients, ZooKeeper control, String root) {
        this.options = options;
        this.clients = clients;
        this.control = control;
        this.parent = root + "/churn";
    }

    Result run() throws Exception {
        try {
            control.create(parent, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
            // an earlier run of this workload in the same root
        }
        Measurement measurement = new Measurement(options.warmup(), options.duration());
        Measurement closes = new Measurement(options.warmup(), options.duration());
        AtomicReference<String> lastError = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < options.churnConcurrency(); t++) {
            Thread thread = new Thread(() -> loop(measurement, closes, lastError), "churn-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long joinUntil = measurement.endNanos() + CYCLE_LIMIT.multipliedBy(2).toNanos();
        int stuck = 0;
        for (Thread thread : threads) {
            thread.join(Math.max(1, (joinUntil - System.nanoTime()) / 1_000_000));
            stuck += thread.isAlive() ? 1 : 0;
        }
        closers.shutdown();
        boolean closed = closers.awaitTermination(CYCLE_LIMIT.toMillis() * 2, TimeUnit.MILLISECONDS);
        String status = stuck > 0 ? "cut: " + stuck + " churn thread(s) stuck"
                : !closed ? "cut: sessions still closing after the window"
                : lastError.get() == null ? "ok" : "errors, last: " + lastError.get();
        Result closeTimes = closes.result(Workload.CHURN, "ok");
        BenchRun.log(String.format(Locale.ROOT, "churn: %d sessions closed in the window, close() p50 %.1f ms,"
                + " p99 %.1f ms (the client's fixed ~100 ms included)", closeTimes.ops(), closeTimes.p50Ms(),
                closeTimes.p99Ms()));
        return measurement.result(Workload.CHURN, status);
    }

    private void loop(Measurement measurement, Measurement closes, AtomicReference<String> lastError) {
        byte[] data = new byte[Math.min(options.valueBytes(), 64)];
        while (!measurement.over()) {
            try {
                if (!closing.tryAcquire(CYCLE_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    lastError.set("closes take longer than " + CYCLE_LIMIT.toSeconds() + " s");
                    measurement.error();
                    continue;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            ZooKeeper zk = null;
            try {
                long started = System.nanoTime();
                zk = clients.open(CYCLE_LIMIT);
                zk.create(parent + "/e-", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
                measurement.success(started);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                measurement.error();
                lastError.set(e.getClass().getSimpleName() + " " + e.getMessage());
                pause();
            } finally {
                closeLater(zk, closes);
            }
        }
    }

    private void closeLater(ZooKeeper zk, Measurement closes) {
        if (zk == null) {
            closing.release();
            return;
        }
        closers.execute(() -> {
            try {
                long started = System.nanoTime();
                Clients.close(zk);
                closes.success(started);
            } finally {
                closing.release();
            }
        });
    }

    /** After a failed cycle: a pause so an unreachable server is not hammered in a tight loop. */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
