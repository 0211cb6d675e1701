package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-session pipeline: FIFO replies, read-your-writes, and events before the data that fired them. */
class PipelineTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One session's mixed async writes and reads, several sessions at once: callbacks come in request order and
     * every read sees exactly the session's last write before it.
     */
    @Test
    void pipelinedRequestsOfEachSessionAreAnsweredInOrder() throws Exception {
        int sessions = 4;
        int perSession = 300;
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                int id = s;
                runs.add(pool.submit(() -> {
                    runSession(id, perSession);
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(Timing.seconds(60).toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void runSession(int id, int count) throws Exception {
        ZooKeeper zk = server.client();
        try {
            String path = "/fifo-" + id;
            zk.create(path, utf8("start"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            List<Integer> order = new CopyOnWriteArrayList<>();
            List<String> mismatches = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            String lastWritten = "start";
            for (int i = 0; i < count; i++) {
                int n = i;
                switch (i % 4) {
                    case 0 -> {
                        lastWritten = "v" + i;
                        zk.setData(path, utf8(lastWritten), -1, (rc, p, ctx, stat) -> order.add(n), null);
                    }
                    case 1, 3 -> {
                        String expected = lastWritten;
                        zk.getData(path, false, (rc, p, ctx, data, stat) -> {
                            order.add(n);
                            String got = data == null ? null : new String(data, StandardCharsets.UTF_8);
                            if (!expected.equals(got)) {
                                mismatches.add("read " + n + " saw " + got + ", expected " + expected);
                            }
                        }, null);
                    }
                    default -> zk.create(path + "/c-", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT_SEQUENTIAL, (rc, p, ctx, name) -> order.add(n), null);
                }
            }
            zk.sync(path, (rc, p, ctx) -> done.complete(null), null);
            done.get(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(mismatches).isEmpty();
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add(i);
            }
            assertThat(order).containsExactlyElementsOf(expected);
            assertThat(zk.getChildren(path, false)).hasSize(count / 4);
        } finally {
            zk.close();
        }
    }

    /**
     * A watching client that keeps reading sees the change's event before any read that shows the change: the
     * event is queued on its connection before the write lock that made the change visible is released.
     */
    @Test
    void aWatchEventArrivesBeforeTheDataThatFiredIt() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        ZooKeeper watcher = server.client();
        ZooKeeper writer = server.client();
        try {
            String path = "/ordered";
            writer.create(path, utf8("0"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (int round = 1; round <= 20; round++) {
                log.clear();
                watcher.getData(path, event -> {
                    if (event.getType() == Watcher.Event.EventType.NodeDataChanged) {
                        log.add("event");
                    }
                }, null);
                String next = String.valueOf(round);
                writer.setData(path, utf8(next), -1, (rc, p, ctx, stat) -> { }, null);
                readUntilSeen(watcher, path, next, log);
                int firstNewRead = log.indexOf("read:" + next);
                assertThat(log.indexOf("event")).as("round %d: %s", round, log).isBetween(0, firstNewRead);
            }
        } finally {
            watcher.close();
            writer.close();
        }
    }

    private static void readUntilSeen(ZooKeeper zk, String path, String value, List<String> log) {
        await().atMost(Timing.seconds(10)).until(() -> {
            CompletableFuture<Void> batch = new CompletableFuture<>();
            for (int i = 0; i < 10; i++) {
                boolean last = i == 9;
                zk.getData(path, false, (rc, p, ctx, data, stat) -> {
                    log.add("read:" + new String(data, StandardCharsets.UTF_8));
                    if (last) {
                        batch.complete(null);
                    }
                }, null);
            }
            batch.get(5, TimeUnit.SECONDS);
            return log.contains("read:" + value);
        });
    }

    /**
     * Far more pipelined writes than a connection may have outstanding: the server stops reading for a while
     * instead of buffering without bound, and still answers every request, in order.
     */
    @Test
    void aDeepPipelineIsThrottledNotDropped() throws Exception {
        int count = ClientConnection.MAX_QUEUED * 3;
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            raw.send(0, io.canopy.protocol.OpCode.CREATE, new org.apache.zookeeper.proto.CreateRequest("/deep",
                    new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, 0));
            assertThat(raw.readReply().header().getErr()).isZero();
            // Send from another thread while this one reads, as a real client does: a client that only reads
            // after sending everything deadlocks against the server's back-pressure once the socket buffers fill.
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= count; i++) {
                    try {
                        raw.send(i, io.canopy.protocol.OpCode.SET_DATA,
                                new org.apache.zookeeper.proto.SetDataRequest("/deep", utf8(String.valueOf(i)), -1));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            long lastZxid = 0;
            for (int i = 1; i <= count; i++) {
                RawClient.Reply reply = raw.readReply();
                assertThat(reply.header().getXid()).isEqualTo(i);
                assertThat(reply.header().getErr()).isZero();
                assertThat(reply.header().getZxid()).isGreaterThan(lastZxid);
                lastZxid = reply.header().getZxid();
            }
            sent.get(10, TimeUnit.SECONDS);
        }
    }

    /** sync is answered after the earlier write and before the later read. */
    @Test
    void syncWaitsForEarlierRequestsAndTheBarrier() throws Exception {
        ZooKeeper zk = server.client();
        try {
            List<String> order = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            zk.create("/sync-order", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                    (rc, p, ctx, name) -> order.add("create:" + KeeperException.Code.get(rc)), null);
            zk.sync("/sync-order", (rc, p, ctx) -> order.add("sync:" + KeeperException.Code.get(rc)), null);
            zk.exists("/sync-order", false, (rc, p, ctx, stat) -> {
                order.add("exists:" + KeeperException.Code.get(rc));
                done.complete(null);
            }, null);
            done.get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(order).containsExactly("create:OK", "sync:OK", "exists:OK");
        } finally {
            zk.close();
        }
    }

    /**
     * A session's read between two of its writes neither holds the second write back (it is proposed while the
     * first is still unapplied, as ZooKeeper forwards it) nor sees it: with both writes applied in one entry, the
     * read still answers the first write's value.
     */
    @Test
    void aReadBetweenTwoWritesDoesNotHoldTheSecondBackAndSeesOnlyTheFirst() throws Exception {
        ZooKeeper zk = server.client();
        try {
            zk.create("/between", utf8("v0"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            List<String> order = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            server.log.pauseApplying();
            try {
                int before = server.log.proposalCount();
                zk.setData("/between", utf8("v1"), -1, (rc, p, ctx, stat) -> order.add("set:v1"), null);
                zk.getData("/between", false,
                        (rc, p, ctx, data, stat) -> order.add("get:" + new String(data, StandardCharsets.UTF_8)),
                        null);
                zk.setData("/between", utf8("v2"), -1, (rc, p, ctx, stat) -> order.add("set:v2"), null);
                zk.getData("/between", false, (rc, p, ctx, data, stat) -> {
                    order.add("get:" + new String(data, StandardCharsets.UTF_8));
                    done.complete(null);
                }, null);
                await().atMost(Timing.seconds(10)).untilAsserted(
                        () -> assertThat(server.log.proposalCount()).isEqualTo(before + 2));
                assertThat(order).isEmpty();
            } finally {
                server.log.resumeApplying();
            }
            done.get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS);
            assertThat(order).containsExactly("set:v1", "get:v1", "set:v2", "get:v2");
        } finally {
            zk.close();
        }
    }
}
