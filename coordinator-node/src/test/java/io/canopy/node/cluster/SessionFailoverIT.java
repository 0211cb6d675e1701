package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Sessions are cluster-wide. A client whose node dies reconnects to another node with the same session, keeps
 * its ephemeral nodes and gets the watch event for a change made while it was away; a client that cannot
 * reconnect is expired by the leader and its ephemerals vanish from every node; a client idle on a follower stays
 * alive for many timeouts because the follower reports its pings to the leader.
 */
class SessionFailoverIT {

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3);

    @Test
    void aClientWhoseNodeDiesResumesItsSessionElsewhereWithEphemeralsAndWatches() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        try (Client client = ClusterClients.connect(cluster.connectString(), 10_000)) {
            long session = client.sessionId();
            client.zk.create("/sf", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            client.zk.create("/sf/eph", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            client.zk.create("/sf/watched", "before".getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
            client.zk.exists("/sf/watched", events::add);

            NodeProcess host = awaitHost(cluster, session);
            int[] others = ClusterClients.idsExcept(cluster, host);
            try (Client other = ClusterClients.connect(cluster.connectString(others), 10_000)) {
                host.kill9();
                // Setting the same data twice is harmless if a connection loss hides that the first one applied.
                ClusterClients.retryingConnectionLoss(
                        () -> other.zk.setData("/sf/watched", "changed while away".getBytes(), -1));
                await().atMost(Timing.seconds(30)).until(() -> client.states.contains(KeeperState.Disconnected)
                        && client.states.get(client.states.size() - 1) == KeeperState.SyncConnected);
                assertThat(client.states).as("the session never expired").doesNotContain(KeeperState.Expired);
                assertThat(client.sessionId()).isEqualTo(session);

                WatchedEvent fired = nextNodeEvent(events);
                assertThat(fired).as("the watch set before the crash fires for the change made meanwhile")
                        .isNotNull();
                assertThat(fired.getType()).isEqualTo(EventType.NodeDataChanged);
                assertThat(fired.getPath()).isEqualTo("/sf/watched");

                NodeProcess newHost = awaitHost(cluster, session);
                assertThat(newHost).isNotSameAs(host);
                for (int id : others) {
                    try (Client reader = ClusterClients.connect(cluster.node(id).connectString(), 10_000)) {
                        reader.sync("/sf");
                        Stat stat = reader.zk.exists("/sf/eph", false);
                        assertThat(stat).as("the ephemeral survives on node %d", id).isNotNull();
                        assertThat(stat.getEphemeralOwner()).isEqualTo(session);
                    }
                }
            } finally {
                host.start();
            }
        }
    }

    @Test
    void aClientThatCannotReconnectIsExpiredAndItsEphemeralsVanishEverywhere() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess follower = cluster.followers().get(0);
        Client lonely = ClusterClients.connect(follower.connectString(), 6_000);
        try {
            lonely.zk.create("/lonely", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            int[] others = ClusterClients.idsExcept(cluster, follower);
            follower.kill9();
            try (Client observer = ClusterClients.connect(cluster.connectString(others), 10_000)) {
                observer.sync("/");
                assertThat(observer.zk.exists("/lonely", false)).as("not expired before its timeout").isNotNull();
                await().atMost(Timing.seconds(40)).pollInterval(200, TimeUnit.MILLISECONDS).until(() -> {
                    observer.sync("/");
                    return observer.zk.exists("/lonely", false) == null;
                });
            }
            for (int id : others) {
                try (Client reader = ClusterClients.connect(cluster.node(id).connectString(), 10_000)) {
                    reader.sync("/");
                    assertThat(reader.zk.exists("/lonely", false)).as("gone on node %d", id).isNull();
                }
            }
        } finally {
            lonely.close();
            follower.start();
        }
        cluster.awaitConverged(Timing.seconds(60));
    }

    @Test
    void anIdleSessionOnAFollowerOutlivesManyTimeouts() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess follower = cluster.followers().get(0);
        int timeoutMs = 4_000;
        try (Client idle = ClusterClients.connect(follower.connectString(), timeoutMs);
             Client observer = ClusterClients.connect(cluster.leader().connectString(), 10_000)) {
            idle.zk.create("/idle", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            Thread.sleep(4L * timeoutMs);   // only the client's pings, answered by the follower, in between
            assertThat(idle.states).as("connected throughout").containsExactly(KeeperState.SyncConnected);
            observer.sync("/");
            Stat stat = observer.zk.exists("/idle", false);
            assertThat(stat).as("the leader kept the session alive").isNotNull();
            assertThat(stat.getEphemeralOwner()).isEqualTo(idle.sessionId());
        }
    }

    /** The next event about a node; connection-state events (type None) reach every watcher and are skipped. */
    private static WatchedEvent nextNodeEvent(BlockingQueue<WatchedEvent> events) throws InterruptedException {
        long deadline = System.nanoTime() + Timing.seconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            WatchedEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && e.getType() != EventType.None) {
                return e;
            }
        }
        return null;
    }

    private static NodeProcess awaitHost(CanopyCluster cluster, long session) {
        NodeProcess[] host = new NodeProcess[1];
        await().atMost(Timing.seconds(10)).until(() -> (host[0] = ClusterClients.hostOf(cluster, session)) != null);
        return host[0];
    }
}
