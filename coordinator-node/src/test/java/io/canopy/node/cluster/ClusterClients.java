package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.HostProvider;
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
        /** When ({@link System#nanoTime}) each of {@link #states} arrived, same order. */
        final List<Long> stateNanos = new CopyOnWriteArrayList<>();

        private Client(String connectString, int sessionTimeoutMs, HostProvider hosts) throws Exception {
            CountDownLatch connected = new CountDownLatch(1);
            Watcher watcher = (WatchedEvent e) -> {
                if (e.getType() == Watcher.Event.EventType.None) {
                    stateNanos.add(System.nanoTime());
                    states.add(e.getState());
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                }
            };
            zk = hosts == null ? new ZooKeeper(connectString, sessionTimeoutMs, watcher)
                    : new ZooKeeper(connectString, sessionTimeoutMs, watcher, false, hosts);
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
        return new Client(connectString, sessionTimeoutMs, null);
    }

    /**
     * A client of the nodes {@code order} that tries them in that order, round and round. The official client
     * shuffles its connect string, so only this puts a session on a chosen node and decides where it moves next,
     * while leaving it free to move to any node listed, as a client with a connect string of all nodes is.
     */
    static Client connectInOrder(List<NodeProcess> order, int sessionTimeoutMs) throws Exception {
        List<InetSocketAddress> addresses = order.stream()
                .map(n -> new InetSocketAddress(n.host(), n.clientPort())).toList();
        String connectString = order.stream().map(NodeProcess::connectString).collect(Collectors.joining(","));
        return new Client(connectString, sessionTimeoutMs, new OrderedHostProvider(addresses));
    }

    /**
     * ZooKeeper's StaticHostProvider without the shuffle: servers in the given order, starting with the first,
     * and a pause of the client's spin delay after a whole round without a connection, as the original does.
     */
    private static final class OrderedHostProvider implements HostProvider {
        private final List<InetSocketAddress> servers;
        private int current = -1;
        private int lastConnected = -1;

        OrderedHostProvider(List<InetSocketAddress> servers) {
            this.servers = List.copyOf(servers);
        }

        @Override
        public int size() {
            return servers.size();
        }

        @Override
        public synchronized InetSocketAddress next(long spinDelay) {
            current = (current + 1) % servers.size();
            boolean wholeRound = current == lastConnected && spinDelay > 0;
            if (lastConnected == -1) {
                lastConnected = 0;   // the first round starts without a pause
            }
            if (wholeRound) {
                try {
                    Thread.sleep(spinDelay);   // what StaticHostProvider does: no server answered in a whole round
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return servers.get(current);
        }

        @Override
        public synchronized void onConnected() {
            lastConnected = current;
        }

        @Override
        public boolean updateServerList(Collection<InetSocketAddress> serverAddresses, InetSocketAddress currentHost) {
            return false;   // the cluster's members are fixed in these tests
        }
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

    /** The node whose {@code cons} lists this session, waiting up to 10 s for one to list it. */
    static NodeProcess awaitHostOf(CanopyCluster cluster, long sessionId) {
        NodeProcess[] host = new NodeProcess[1];
        await().atMost(Timing.seconds(10)).alias("a node lists session 0x" + Long.toHexString(sessionId))
                .until(() -> (host[0] = hostOf(cluster, sessionId)) != null);
        return host[0];
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
