package io.canopy.node.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Durability of a node in its own JVM: acknowledged writes survive kill -9, sessions resume after a restart, and
 * a clean shutdown (SIGTERM) leaves a snapshot that the next start resumes from.
 */
class CrashRecoveryIT {

    @TempDir
    Path dataDir;

    /** One log file per test: {@code CrashRecoveryIT-<method>-node1.log}. */
    private String label;

    @BeforeEach
    void nameTheLog(TestInfo test) {
        label = "CrashRecoveryIT-" + test.getTestMethod().orElseThrow().getName();
    }

    static ZooKeeper connect(String connectString, int sessionTimeoutMs, AtomicReference<Watcher.Event.KeeperState> state)
            throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, sessionTimeoutMs, e -> {
            if (state != null && e.getType() == Watcher.Event.EventType.None) {
                state.set(e.getState());
            }
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        assertThat(connected.await(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        return zk;
    }

    @Test
    void everyAcknowledgedWriteSurvivesKill9AndNothingUnwrittenAppears() throws Exception {
        int total = 6000;
        int killAfterAcks = 3000;
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();

        try (NodeProcess node = NodeProcess.startStandalone(label, dataDir)) {
            ZooKeeper zk = connect(node.connectString(), 30_000, null);
            zk.create("/crash", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            acknowledged.add("/crash");

            Semaphore inFlight = new Semaphore(200);
            CountDownLatch enoughAcks = new CountDownLatch(killAfterAcks);
            Thread writer = new Thread(() -> {
                for (int i = 0; i < total; i++) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    String path = "/crash/n" + i;
                    attempted.add(path);
                    zk.create(path, ("v" + i).getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                            (rc, p, ctx, name) -> {
                                if (rc == KeeperException.Code.OK.intValue()) {
                                    acknowledged.add(p);
                                    enoughAcks.countDown();
                                }
                                inFlight.release();
                            }, null);
                }
            });
            writer.start();
            assertThat(enoughAcks.await(Timing.seconds(120).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            node.kill9();   // with writes still in flight
            writer.interrupt();
            writer.join(Timing.seconds(30).toMillis());
            zk.close(1000);

            Set<String> ackedAtKill = new HashSet<>(acknowledged);
            node.start();
            ZooKeeper after = connect(node.connectString(), 30_000, null);
            List<String> children = after.getChildren("/crash", false);
            Set<String> present = new HashSet<>();
            children.forEach(c -> present.add("/crash/" + c));
            assertThat(present).as("all %d acknowledged writes are present after kill -9", ackedAtKill.size() - 1)
                    .containsAll(ackedAtKill.stream().filter(p -> !p.equals("/crash")).toList());
            assertThat(attempted).as("nothing that was never written appears").containsAll(present);
            for (String p : ackedAtKill) {
                if (!p.equals("/crash")) {
                    assertThat(new String(after.getData(p, false, null))).isEqualTo("v" + p.substring("/crash/n".length()));
                }
            }
            after.close();
        }
    }

    @Test
    void sessionsAndTheirEphemeralsResumeAfterARestartWithinTheTimeout() throws Exception {
        try (NodeProcess node = NodeProcess.startStandalone(label, dataDir)) {
            AtomicReference<Watcher.Event.KeeperState> state = new AtomicReference<>();
            ZooKeeper zk = connect(node.connectString(), 30_000, state);
            long sessionId = zk.getSessionId();
            zk.create("/owner", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

            node.kill9();
            await().atMost(Timing.seconds(10)).until(() -> state.get() == Watcher.Event.KeeperState.Disconnected);
            node.start();

            // The client reconnects by itself to the same session: not expired, ephemeral still there.
            await().atMost(Timing.seconds(30)).until(() -> state.get() == Watcher.Event.KeeperState.SyncConnected);
            assertThat(zk.getSessionId()).isEqualTo(sessionId);
            assertThat(zk.exists("/owner", false)).isNotNull();
            assertThat(zk.exists("/owner", false).getEphemeralOwner()).isEqualTo(sessionId);
            zk.close();

            ZooKeeper other = connect(node.connectString(), 30_000, null);
            assertThat(other.exists("/owner", false)).as("closing the session removes its ephemeral").isNull();
            other.close();
        }
    }

    @Test
    void cleanShutdownTakesASnapshotAndTheNextStartResumesFromIt() throws Exception {
        try (NodeProcess node = NodeProcess.startStandalone(label, dataDir)) {
            ZooKeeper zk = connect(node.connectString(), 30_000, null);
            for (int i = 0; i < 100; i++) {
                zk.create("/clean-" + i, ("d" + i).getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
            long zxidBefore = zk.exists("/clean-99", false).getMzxid();
            zk.close();

            node.stop();
            assertThat(snapshots()).as("SIGTERM leaves a snapshot").isNotEmpty();

            node.start();
            ZooKeeper again = connect(node.connectString(), 30_000, null);
            for (int i = 0; i < 100; i++) {
                assertThat(new String(again.getData("/clean-" + i, false, null))).isEqualTo("d" + i);
            }
            var stat = again.setData("/clean-0", "new".getBytes(), -1);
            assertThat(stat.getMzxid()).as("zxids keep growing across restarts").isGreaterThan(zxidBefore);
            again.close();
        }
    }

    private List<Path> snapshots() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
        }
    }
}
