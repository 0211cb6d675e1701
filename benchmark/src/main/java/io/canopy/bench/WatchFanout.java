package io.canopy.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.apache.zookeeper.AsyncCallback.DataCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

import io.canopy.bench.BenchOptions.Workload;
import io.canopy.bench.Measurement.Result;

/**
 * Watch fan-out: {@code --watchers} sessions each hold a data watch on one node; a writer session sets it and
 * every watcher records the time from the writer's setData call to its NodeDataChanged event, then re-arms
 * with getData. A round starts only when every watcher has re-armed, so each round measures a full fan-out.
 * Throughput is delivered events per second.
 */
final class WatchFanout {

    /** A round whose events or re-arms take longer than this is counted as missed and the next one starts. */
    private static final Duration ROUND_LIMIT = Duration.ofSeconds(10);

    private final BenchOptions options;
    private final Clients clients;
    private final ZooKeeper control;
    private final String node;
    private final LongAdder failures = new LongAdder();
    private volatile Round round;
    private volatile Measurement measurement;
    /** Counts a re-arm down on the round whose event caused it (the round travels as the context). */
    private final DataCallback rearmed = (rc, path, ctx, data, stat) -> {
        if (rc != Code.OK.intValue()) {
            failures.increment();
        }
        ((Round) ctx).rearmed.countDown();
    };

    WatchFanout(BenchOptions options, Clients clients, ZooKeeper control, String root) {
        this.options = options;
        this.clients = clients;
        this.control = control;
        this.node = root + "/watched";
    }

    /** The events and re-arms a round waits for; watcher callbacks count down the round current at the time. */
    private record Round(long startNanos, CountDownLatch events, CountDownLatch rearmed) {
        static Round of(int watchers) {
            return new Round(System.nanoTime(), new CountDownLatch(watchers), new CountDownLatch(watchers));
        }
    }

    Result run() throws Exception {
        try {
            control.create(node, new byte[options.valueBytes()], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
            // left by an earlier run of this workload in the same root
        }
        int n = options.watchers();
        List<ZooKeeper> sessions = clients.openMany(n, options.waitReady());
        try {
            round = Round.of(n);
            for (ZooKeeper zk : sessions) {
                arm(zk);
            }
            if (!round.rearmed.await(ROUND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                return Result.failed(Workload.WATCH, "only " + (n - round.rearmed.getCount()) + " of " + n
                        + " watches could be set");
            }
            measurement = new Measurement(options.warmup(), options.duration());
            return measurement.result(Workload.WATCH, rounds(n));
        } finally {
            Clients.closeAll(sessions);
        }
    }

    private String rounds(int n) throws InterruptedException {
        byte[] value = new byte[options.valueBytes()];
        long missed = 0;
        long rounds = 0;
        while (!measurement.over()) {
            Round current = Round.of(n);
            round = current;
            try {
                control.setData(node, value, -1);
            } catch (KeeperException e) {
                measurement.error();
                Thread.sleep(100); // a pause, not a wait for a condition: do not spin on a lost connection
                continue;
            }
            boolean all = current.events.await(ROUND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
                    & current.rearmed.await(ROUND_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            rounds++;
            if (!all) {
                missed += current.events.getCount();
                for (long i = current.events.getCount(); i > 0; i--) {
                    measurement.error();
                }
            }
        }
        long failed = failures.sum();
        return missed == 0 && failed == 0 ? "ok"
                : "rounds=" + rounds + " missed_events=" + missed + " failed_rearms=" + failed;
    }

    private void arm(ZooKeeper zk) {
        Watcher watcher = new Watcher() {
            @Override
            public void process(WatchedEvent event) {
                if (event.getType() != Event.EventType.NodeDataChanged) {
                    return;
                }
                Round current = round;
                Measurement m = measurement;
                if (m != null) {
                    m.success(current.startNanos);
                }
                current.events.countDown();
                zk.getData(node, this, rearmed, current);
            }
        };
        zk.getData(node, watcher, rearmed, round);
    }
}
