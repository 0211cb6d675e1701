package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Read-only mode on real node processes: with two of three nodes killed (kill -9), the survivor has no leader and
 * serves read-only sessions; the official client with canBeReadOnly reads the last committed data there and gets
 * NotReadOnlyException for a write. Once the killed nodes are back and a leader serves, the client ends on a
 * read-write session (the read-only node closes its read-only connections when it serves again; the client also
 * probes its servers with "isro") and can write; its read-only session never reached the log.
 */
class ReadOnlyModeIT {
    private static final int SESSION_TIMEOUT_MS = 10_000;

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3)
            .nodeArgs("--canopy.read-only-mode.enabled=true");

    @Test
    void aMinorityNodeServesReadOnlyClientsUntilTheMajorityIsBack() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess survivor = cluster.followers().get(0);
        List<NodeProcess> lost = cluster.nodes().stream().filter(n -> n != survivor).toList();
        try (ClusterClients.Client writer = ClusterClients.connect(survivor.connectString(), SESSION_TIMEOUT_MS)) {
            writer.zk.create("/ro", bytes("committed"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(writer.syncedGet("/ro")).isEqualTo(bytes("committed"));
        }
        assertThat(survivor.fourLetterWord("isro")).isEqualTo("rw");

        for (NodeProcess node : lost) {
            node.kill9();
        }
        // A follower stops serving an election timeout (at most 2 s) after it last heard from the leader.
        await().atMost(Timing.seconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> "ro".equals(survivor.fourLetterWord("isro")));
        assertThat(survivor.mode()).isEqualTo("read-only");

        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper zk = new ZooKeeper(cluster.connectString(), SESSION_TIMEOUT_MS, e -> {
            if (e.getType() == EventType.None) {
                states.add(e.getState());
            }
        }, true);
        try {
            await().atMost(Timing.seconds(30)).until(() -> zk.getState() == ZooKeeper.States.CONNECTEDREADONLY);
            long readOnlySession = zk.getSessionId();
            assertThat(zk.getData("/ro", false, null)).isEqualTo(bytes("committed"));
            assertThatThrownBy(() -> zk.setData("/ro", bytes("lost"), -1))
                    .isInstanceOf(KeeperException.NotReadOnlyException.class);
            assertThatThrownBy(() -> zk.create("/ro/child", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT)).isInstanceOf(KeeperException.NotReadOnlyException.class);

            for (NodeProcess node : lost) {
                node.launch();
            }
            for (NodeProcess node : lost) {
                node.awaitServing(Timing.seconds(60));
            }
            cluster.leader(Timing.seconds(30));
            // Closed by its node once that node serves, or moved by the client's own "isro" probes.
            await().atMost(Timing.seconds(40)).until(() -> zk.getState() == ZooKeeper.States.CONNECTED);
            assertThat(zk.getSessionId()).isNotEqualTo(readOnlySession);
            ClusterClients.retryingConnectionLoss(() -> zk.setData("/ro", bytes("written after"), -1));
            assertThat(zk.getData("/ro", false, null)).isEqualTo(bytes("written after"));
            assertThat(states).contains(KeeperState.ConnectedReadOnly, KeeperState.SyncConnected)
                    .doesNotContain(KeeperState.Expired);
            for (NodeProcess node : cluster.nodes()) {
                assertThat(node.fourLetterWord("dump")).as("node %d's replicated sessions", node.nodeId())
                        .doesNotContain(Long.toHexString(readOnlySession));
            }
        } finally {
            zk.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
