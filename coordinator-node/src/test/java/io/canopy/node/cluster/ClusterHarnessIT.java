package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.Convergence;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Smoke test of the multi-process harness on a real three-node cluster: one leader, a write replicated to every
 * node, a new leader after the leader is killed, and the killed node catching up after its restart. The tests
 * share the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterHarnessIT {
    private static final int SESSION_TIMEOUT_MS = 30_000;

    @RegisterExtension
    static final CanopyClusterExtension cluster = CanopyClusterExtension.nodes(3);

    @Test
    @Order(1)
    void oneNodeLeadsAndTheOtherTwoFollow() {
        CanopyCluster c = cluster.cluster();
        NodeProcess leader = c.leader();

        assertThat(leader.mode()).isEqualTo("leader");
        assertThat(c.followers()).hasSize(2).doesNotContain(leader)
                .allSatisfy(f -> assertThat(f.mode()).isEqualTo("follower"));
        assertThat(c.nodes()).extracting(NodeProcess::connectString).doesNotHaveDuplicates();
    }

    @Test
    @Order(2)
    void aWriteThroughTheLeaderIsReadFromEveryNode() throws Exception {
        CanopyCluster c = cluster.cluster();
        write(c.leader(), "/harness", "replicated");

        for (NodeProcess node : c.nodes()) {
            assertThat(syncAndRead(node, "/harness")).as("read from node %d", node.nodeId()).isEqualTo("replicated");
        }
    }

    /** mntr's quorum keys on every node, and the leader's view of its two followers (both caught up). */
    @Test
    @Order(3)
    void mntrShowsTheLeadersSyncedFollowersAndEachPeersState() {
        CanopyCluster c = cluster.cluster();
        NodeProcess leader = c.leader();
        assertLeaderSeesTwoSyncedFollowers(leader);
        Map<String, String> m = leader.mntr();
        assertThat(m).containsEntry("zk_peer_state", "leading - broadcast").containsEntry("zk_quorum_size", "3")
                .containsEntry("zk_learners", "2").containsEntry("zk_synced_observers", "0")
                .containsEntry("zk_synced_non_voting_followers", "0").containsEntry("zk_local_sessions", "0");
        assertThat(Long.parseLong(m.get("zk_max_proposal_size"))).as("entries were appended").isPositive();
        assertThat(Long.parseLong(m.get("zk_open_file_descriptor_count"))).isPositive();
        assertThat(leader.fourLetterWord("srvr")).containsPattern("Proposal sizes last/min/max: \\d+/\\d+/\\d+\n");
        for (NodeProcess f : c.followers()) {
            Map<String, String> fm = f.mntr();
            assertThat(fm).as("node %d", f.nodeId()).containsEntry("zk_server_state", "follower")
                    .containsEntry("zk_peer_state", "following - broadcast").containsEntry("zk_quorum_size", "3")
                    .doesNotContainKeys("zk_learners", "zk_synced_followers", "zk_pending_syncs");
        }
    }

    private static void assertLeaderSeesTwoSyncedFollowers(NodeProcess leader) {
        // Synced: heard from within the election timeout, with a reported commit index close to the leader's.
        await().atMost(Timing.seconds(15)).untilAsserted(() -> assertThat(leader.mntr())
                .containsEntry("zk_followers", "2").containsEntry("zk_synced_followers", "2"));
    }

    @Test
    @Order(4)
    void afterTheLeaderIsKilledAnotherLeadsAndTheRestartedNodeCatchesUp() throws Exception {
        CanopyCluster c = cluster.cluster();
        NodeProcess old = c.leader();

        old.kill9();
        NodeProcess next = c.leader();
        assertThat(next).isNotSameAs(old);
        assertThat(c.liveNodes()).hasSize(2).contains(next).doesNotContain(old);
        long written = write(next, "/after-failover", "written while node " + old.nodeId() + " was down");

        old.restart();
        Convergence converged = c.awaitConverged(Timing.seconds(60));
        assertThat(converged.nodeIds()).containsExactly(1, 2, 3);
        assertThat(converged.lastZxid()).isGreaterThanOrEqualTo(written);
        assertThat(syncAndRead(old, "/after-failover")).isEqualTo("written while node " + old.nodeId() + " was down");
        assertLeaderSeesTwoSyncedFollowers(next);
    }

    /** Creates {@code path} through {@code node} and returns the zxid of the write. */
    private static long write(NodeProcess node, String path, String data) throws Exception {
        try (ClusterClients.Client client = ClusterClients.connect(node.connectString(), SESSION_TIMEOUT_MS)) {
            client.zk.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            return client.zk.exists(path, false).getMzxid();
        }
    }

    /** Reads {@code path} from {@code node} only, after a {@code sync}, in a short-lived session. */
    private static String syncAndRead(NodeProcess node, String path) throws Exception {
        try (ClusterClients.Client client = ClusterClients.connect(node.connectString(), SESSION_TIMEOUT_MS)) {
            return new String(client.syncedGet(path), StandardCharsets.UTF_8);
        }
    }
}
