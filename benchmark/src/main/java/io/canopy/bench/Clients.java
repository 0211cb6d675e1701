package io.canopy.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * Opens and closes sessions of the official ZooKeeper client, always bounded in time: a server that never
 * answers must make the benchmark fail, not hang.
 */
final class Clients {

    /** Synchronous calls give up after this long (the client's own default is to wait forever). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private final String connect;
    private final int sessionTimeoutMs;

    Clients(String connect, Duration sessionTimeout) {
        this.connect = connect;
        this.sessionTimeoutMs = (int) sessionTimeout.toMillis();
    }

    /** Opens one session and waits until it is connected, or throws after {@code wait}. */
    ZooKeeper open(Duration wait) throws IOException, InterruptedException {
        return open(wait, event -> { });
    }

    /** Like {@link #open(Duration)}, passing every event after the connection to {@code events}. */
    ZooKeeper open(Duration wait, Watcher events) throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        Watcher defaultWatcher = event -> {
            if (event.getType() == Watcher.Event.EventType.None
                    && event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
            events.process(event);
        };
        ZooKeeper zk = new ZooKeeper(connect, sessionTimeoutMs, defaultWatcher, config());
        if (!connected.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            close(zk);
            throw new IOException("no session from " + connect + " within " + wait.toMillis() + " ms");
        }
        return zk;
    }

    /** Opens {@code count} sessions (connecting in parallel), or closes the opened ones and throws. */
    List<ZooKeeper> openMany(int count, Duration wait) throws IOException, InterruptedException {
        List<ZooKeeper> result = new ArrayList<>(count);
        List<CountDownLatch> latches = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                CountDownLatch connected = new CountDownLatch(1);
                latches.add(connected);
                result.add(new ZooKeeper(connect, sessionTimeoutMs, event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                }, config()));
            }
            long deadline = System.nanoTime() + wait.toNanos();
            for (CountDownLatch latch : latches) {
                long left = deadline - System.nanoTime();
                if (!latch.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    throw new IOException("not all " + count + " sessions connected within " + wait.toMillis()
                            + " ms (does the server limit connections per address? ZooKeeper: maxClientCnxns)");
                }
            }
            return result;
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeAll(result);
            throw e;
        }
    }

    static void closeAll(List<ZooKeeper> clients) {
        clients.parallelStream().forEach(Clients::close);
    }

    /**
     * Closes a session as applications do: waits for the server's closeSession reply (bounded by the request
     * timeout) but not for the client's threads to finish, which costs a fixed ~100 ms sleep inside the client's
     * NIO socket cleanup and would dominate the churn workload without telling anything about the server.
     */
    static void close(ZooKeeper zk) {
        try {
            zk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ZKClientConfig config() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Long.toString(REQUEST_TIMEOUT.toMillis()));
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        return config;
    }
}
