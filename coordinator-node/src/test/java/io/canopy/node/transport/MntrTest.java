package io.canopy.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;
import io.canopy.node.replication.TxnLog.LeaderView;
import io.canopy.node.replication.TxnLog.Learner;
import io.canopy.node.server.RawClient;
import io.canopy.node.server.TestServer;

/**
 * {@code mntr} (and the leader's line in {@code srvr}) as ZooKeeper 3.9.5 prints them: the keys, their order and
 * their value formats for a standalone node, a leader, a follower, an observer and a read-only node, over the
 * in-memory log describing itself as each.
 */
class MntrTest {
    /** ZooKeeper 3.9.5's order (read off a real leader), restricted to the keys Canopy has. */
    private static final List<String> ZOOKEEPER_ORDER = List.of("zk_version", "zk_server_state", "zk_peer_state",
            "zk_ephemerals_count", "zk_num_alive_connections", "zk_avg_latency", "zk_min_proposal_size",
            "zk_outstanding_requests", "zk_znode_count", "zk_global_sessions", "zk_packets_sent",
            "zk_packets_received", "zk_max_proposal_size", "zk_synced_followers", "zk_watch_count",
            "zk_synced_non_voting_followers", "zk_synced_observers", "zk_min_latency",
            "zk_max_file_descriptor_count", "zk_approximate_data_size", "zk_open_file_descriptor_count",
            "zk_last_proposal_size", "zk_pending_syncs", "zk_leader_uptime", "zk_local_sessions", "zk_uptime",
            "zk_max_latency", "zk_learners", "zk_followers", "zk_quorum_size");
    private static final List<String> CANOPY_TAIL = List.of("zk_last_zxid", "zk_last_applied_index",
            "canopy_tree_digest");
    private static final List<String> LEADER_ONLY = List.of("zk_min_proposal_size", "zk_max_proposal_size",
            "zk_synced_followers", "zk_synced_non_voting_followers", "zk_synced_observers", "zk_last_proposal_size",
            "zk_pending_syncs", "zk_leader_uptime", "zk_learners", "zk_followers");
    private static final List<String> QUORUM_ONLY = List.of("zk_peer_state", "zk_quorum_size");

    private static final List<Member> MEMBERS = List.of(new Member(1, "127.0.0.1", 2181, 9181),
            new Member(2, "127.0.0.1", 2182, 9182), new Member(3, "127.0.0.1", 2183, 9183),
            new Member(6, "127.0.0.1", 2186, 9186, Role.OBSERVER));

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Map<String, String> mntr() throws Exception {
        String text = RawClient.fourLetterWord(server.port(), "mntr");
        assertThat(text).endsWith("\n");
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.split("\t", -1);
            assertThat(kv).as("a key, a tab, a value: %s", line).hasSize(2);
            assertThat(values.put(kv[0], kv[1])).as("%s once", kv[0]).isNull();
        }
        return values;
    }

    /** The keys ZooKeeper prints in this role, in its order, then Canopy's own. */
    private static List<String> expectedKeys(boolean quorum, boolean leader) {
        List<String> keys = new ArrayList<>();
        for (String k : ZOOKEEPER_ORDER) {
            if ((quorum || !QUORUM_ONLY.contains(k)) && (leader || !LEADER_ONLY.contains(k))) {
                keys.add(k);
            }
        }
        keys.addAll(CANOPY_TAIL);
        return keys;
    }

    private static void assertCommonFormats(Map<String, String> m) {
        assertThat(m.get("zk_version")).isEqualTo(FourLetterWords.VERSION);
        for (String k : List.of("zk_ephemerals_count", "zk_num_alive_connections", "zk_outstanding_requests",
                "zk_znode_count", "zk_global_sessions", "zk_packets_sent", "zk_packets_received", "zk_watch_count",
                "zk_min_latency", "zk_max_latency", "zk_approximate_data_size", "zk_uptime",
                "zk_last_applied_index")) {
            assertThat(m.get(k)).as(k).matches("\\d+");
        }
        assertThat(m.get("zk_avg_latency")).as("a double, as ZooKeeper prints it").matches("\\d+\\.\\d+(E-?\\d+)?");
        assertThat(m.get("zk_local_sessions")).isEqualTo("0");
        assertThat(m.get("zk_num_alive_connections")).as("the mntr connection itself").isNotEqualTo("0");
        // The test runs on Linux (as the build machines): ZooKeeper's Unix-only values are there.
        assertThat(Long.parseLong(m.get("zk_open_file_descriptor_count"))).isPositive();
        assertThat(Long.parseLong(m.get("zk_max_file_descriptor_count")))
                .isGreaterThanOrEqualTo(Long.parseLong(m.get("zk_open_file_descriptor_count")));
        assertThat(m.get("zk_last_zxid")).matches("0x[0-9a-f]+");
        assertThat(m.get("canopy_tree_digest")).matches("[0-9a-f]{16}");
    }

    @Test
    void standaloneHasNoQuorumOrLeaderKeys() throws Exception {
        server.log.describeAs("standalone", List.of(), null);
        Map<String, String> m = mntr();
        assertThat(new ArrayList<>(m.keySet())).isEqualTo(expectedKeys(false, false));
        assertThat(m.get("zk_server_state")).isEqualTo("standalone");
        assertCommonFormats(m);
        assertThat(RawClient.fourLetterWord(server.port(), "srvr")).doesNotContain("Proposal sizes");
    }

    @Test
    void leaderCountsItsLearnersAndEntrySizes() throws Exception {
        server.log.describeAs("leader", MEMBERS, new LeaderView(List.of(new Learner(2, Role.PARTICIPANT, true),
                new Learner(3, Role.PARTICIPANT, false), new Learner(6, Role.OBSERVER, true),
                new Learner(4, null, true)), 12_345, 310, 120, 2_097_000));
        Map<String, String> m = mntr();
        assertThat(new ArrayList<>(m.keySet())).isEqualTo(expectedKeys(true, true));
        assertCommonFormats(m);
        assertThat(m).containsEntry("zk_server_state", "leader")
                .containsEntry("zk_peer_state", "leading - broadcast")
                .containsEntry("zk_quorum_size", "3")
                .containsEntry("zk_learners", "4")
                .containsEntry("zk_followers", "4")
                .containsEntry("zk_synced_followers", "1")
                .containsEntry("zk_synced_observers", "1")
                .containsEntry("zk_synced_non_voting_followers", "1")
                .containsEntry("zk_pending_syncs", "0")
                .containsEntry("zk_leader_uptime", "12345")
                .containsEntry("zk_last_proposal_size", "310")
                .containsEntry("zk_min_proposal_size", "120")
                .containsEntry("zk_max_proposal_size", "2097000");
        assertThat(RawClient.fourLetterWord(server.port(), "srvr"))
                .endsWith("Mode: leader\nNode count: " + server.service.status().nodeCount()
                        + "\nProposal sizes last/min/max: 310/120/2097000\n");
    }

    @Test
    void aLeaderThatProposedNothingYetSaysMinusOne() throws Exception {
        server.log.describeAs("leader", MEMBERS.subList(0, 3), new LeaderView(List.of(), 5, -1, -1, -1));
        Map<String, String> m = mntr();
        assertThat(m).containsEntry("zk_learners", "0").containsEntry("zk_synced_followers", "0")
                .containsEntry("zk_last_proposal_size", "-1").containsEntry("zk_min_proposal_size", "-1")
                .containsEntry("zk_max_proposal_size", "-1");
        assertThat(RawClient.fourLetterWord(server.port(), "srvr")).contains("Proposal sizes last/min/max: -1/-1/-1\n");
    }

    @Test
    void followerAndObserverHaveQuorumKeysOnly() throws Exception {
        server.log.describeAs("follower", MEMBERS, null);
        Map<String, String> m = mntr();
        assertThat(new ArrayList<>(m.keySet())).isEqualTo(expectedKeys(true, false));
        assertCommonFormats(m);
        assertThat(m).containsEntry("zk_server_state", "follower")
                .containsEntry("zk_peer_state", "following - broadcast").containsEntry("zk_quorum_size", "3");

        server.log.describeAs("observer", MEMBERS, null);
        assertThat(mntr()).containsEntry("zk_server_state", "observer")
                .containsEntry("zk_peer_state", "observing - broadcast").containsEntry("zk_quorum_size", "3");
        assertThat(RawClient.fourLetterWord(server.port(), "srvr")).doesNotContain("Proposal sizes");
    }

    @Test
    void aMemberThatCannotServeAnswersAsZooKeeper() throws Exception {
        server.log.describeAs("follower", MEMBERS, null);
        server.log.serving(false);
        assertThat(RawClient.fourLetterWord(server.port(), "mntr")).isEqualTo(FourLetterWords.NOT_SERVING);
        assertThat(server.service.status().peerState()).as("as ZooKeeper's peer looking for a leader")
                .isEqualTo("looking");
    }
}
