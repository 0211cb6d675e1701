package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.NodeProcess;

/** Official ZooKeeper clients for the cluster tests, and questions about them that only the nodes can answer. */
final class ClusterClients {
    private ClusterClients() {
    }

    /** A connected client whose connection-state events are recorded, in order. */
    static final class Client implements AutoCloseable {
        final ZooKeeper zk;
        final List<Watcher.Event.KeeperState> states = new CopyOnWriteArrayList<>();

        private Client(String connectString, int sessionTimeoutMs) throws Exception {
            CountDownLatch connected = new CountDownLatch(1);
            zk = new ZooKeeper(connectString, sessionTimeoutMs, (WatchedEvent e) -> {
                if (e.getType() == Watcher.Event.EventType.None) {
                    states.add(e.getState());
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                }
            });
            if (!connected.await(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
                zk.close();
                throw new AssertionError("no session with " + connectString + " within " + Timing.seconds(30));
            }
        }

        long sessionId() {
            return zk.getSessionId();
        }

        /** Sync, then read: what this node returns is at least as new as everything committed before the call. */
        byte[] syncedGet(String path) throws Exception {
            sync(path);
            return zk.getData(path, false, new Stat());
        }

        void sync(String path) throws Exception {
            CountDownLatch done = new CountDownLatch(1);
            int[] rc = {0};
            zk.sync(path, (code, p, ctx) -> {
                rc[0] = code;
                done.countDown();
            }, null);
            assertThat(done.await(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS)).as("sync answered").isTrue();
            if (rc[0] != 0) {
                throw KeeperException.create(KeeperException.Code.get(rc[0]), path);
            }
        }

        @Override
        public void close() throws InterruptedException {
            zk.close();
        }
    }

    static Client connect(String connectString, int sessionTimeoutMs) throws Exception {
        return new Client(connectString, sessionTimeoutMs);
    }

    /** A call to the ZooKeeper client. */
    interface ZkCall<T> {
        T call() throws Exception;
    }

    /**
     * Runs the call, again after a connection loss (a write in flight when a leader dies may or may not have
     * applied: use this only for calls whose repetition is harmless), for up to 30 s.
     */
    static <T> T retryingConnectionLoss(ZkCall<T> call) throws Exception {
        long deadline = System.nanoTime() + Timing.seconds(30).toNanos();
        while (true) {
            try {
                return call.call();
            } catch (KeeperException.ConnectionLossException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);   // back off before retrying; nothing signals when a new leader serves
            }
        }
    }

    /** The ids of every node but {@code excluded}. */
    static int[] idsExcept(CanopyCluster cluster, NodeProcess excluded) {
        return cluster.nodes().stream().filter(n -> n != excluded).mapToInt(NodeProcess::nodeId).toArray();
    }

    /** The node whose {@code cons} lists this session, or null if none does (yet). */
    static NodeProcess hostOf(CanopyCluster cluster, long sessionId) {
        String sid = "sid=0x" + Long.toHexString(sessionId) + ",";
        for (NodeProcess node : cluster.liveNodes()) {
            String cons = node.fourLetterWord("cons");
            if (cons != null && cons.contains(sid)) {
                return node;
            }
        }
        return null;
    }
}
