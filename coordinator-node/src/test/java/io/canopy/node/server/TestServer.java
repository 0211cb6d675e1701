package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

import io.canopy.node.transport.ClientPortServer;

/** One node: in-memory log, the service and the client port on a free 127.0.0.1 port. */
public final class TestServer implements AutoCloseable {
    public final InMemoryTxnLog log;
    public final CoordinatorService service;
    public final ClientPortServer clientPort;

    private TestServer(ServerSettings settings, Set<String> whitelist) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        log = new InMemoryTxnLog(1, clock);
        service = new CoordinatorService(settings, log, clock);
        log.start(service);
        service.start();
        service.leadershipChanged(true);
        clientPort = new ClientPortServer(new InetSocketAddress("127.0.0.1", 0), settings, service, whitelist, null,
                2);
        clientPort.start();
    }

    /** Short ticks so that expiry tests run quickly: sessions of 200 ms to 10 s. */
    public static ServerSettings settings() {
        return new ServerSettings(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(10),
                1024 * 1024, 500, null, Duration.ofSeconds(1));
    }

    public static TestServer start() throws InterruptedException {
        return start(settings(), null);
    }

    public static TestServer start(ServerSettings settings, Set<String> whitelist) throws InterruptedException {
        return new TestServer(settings, whitelist);
    }

    public int port() {
        return clientPort.port();
    }

    public String connectString() {
        return "127.0.0.1:" + port();
    }

    /** An official client, connected. */
    public ZooKeeper client(int sessionTimeoutMillis, Watcher watcher) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString(), sessionTimeoutMillis, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
            if (watcher != null) {
                watcher.process(event);
            }
        });
        if (!connected.await(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new AssertionError("client did not connect");
        }
        return zk;
    }

    public ZooKeeper client() throws Exception {
        return client(4000, null);
    }

    @Override
    public void close() {
        clientPort.stop();
        service.close();
        log.close();
    }
}
