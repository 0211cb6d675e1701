package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.network.ClusterNetwork;
import io.canopy.testcluster.network.TcpRelay;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * The replication link between real node processes: the harness gives every member a link port and relays it
 * (ClusterNetwork), so these tests see the bytes the leader's appends and the followers' runs take. The other
 * cluster tests (failover, partitions, recovery from the log and from a snapshot) run over the same links.
 */
class ReplicationLinkIT {

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3).partitionable();

    @Test
    void theLeadersAppendsTravelTheLinkToEveryFollower() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess leader = cluster.leader();
        ClusterNetwork network = cluster.network();
        long[] before = new long[4];
        for (NodeProcess f : cluster.followers()) {
            before[f.nodeId()] = network.replicationLink(leader.nodeId(), f.nodeId()).bytesForwarded();
        }
        try (Client client = ClusterClients.connect(leader.connectString(), 20_000)) {
            FollowerRecoveryIT.createMany(client, "/linked", 300);
        }
        for (NodeProcess f : cluster.followers()) {
            TcpRelay.Link link = network.replicationLink(leader.nodeId(), f.nodeId());
            // 300 creates of 16 bytes each, one entry each (sequential), plus their framing: well over 300 x 16.
            assertThat(link.bytesForwarded() - before[f.nodeId()]).as("bytes through %s", link)
                    .isGreaterThan(300L * 16);
            try (Client reader = ClusterClients.connect(f.connectString(), 20_000)) {
                reader.sync("/");
                assertThat(reader.zk.getChildren("/linked", false)).hasSize(300);
            }
        }
    }

    @Test
    void aFollowersWritesTravelItsLinkToTheLeader() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess leader = cluster.leader();
        NodeProcess follower = cluster.followers().get(0);
        TcpRelay.Link toLeader = cluster.network().replicationLink(follower.nodeId(), leader.nodeId());
        long before = toLeader.bytesForwarded();
        try (Client client = ClusterClients.connect(follower.connectString(), 20_000)) {
            FollowerRecoveryIT.createMany(client, "/forwarded", 300);
            assertThat(client.zk.getChildren("/forwarded", false)).hasSize(300);
        }
        // The follower's runs (each create's path and data, one run each: they are sequential) reach the leader
        // on the leader's link port, not over Ratis's gRPC.
        assertThat(toLeader.bytesForwarded() - before).as("bytes through %s", toLeader).isGreaterThan(300L * 16);
        assertThat(toLeader.acceptedConnections()).isPositive();
    }

    @Test
    void aFollowerCutOffFromTheLeaderCatchesUpOnANewLinkOnceHealed() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess leader = cluster.leader();
        NodeProcess follower = cluster.followers().get(0);
        ClusterNetwork network = cluster.network();
        long connectionsBefore = network.replicationLink(leader.nodeId(), follower.nodeId()).acceptedConnections();
        // What the leader sends the follower is blackholed (its replies would have nothing to answer); the
        // follower still reaches the leader, so it learns there is one and does not win an election.
        network.cutLink(leader.nodeId(), follower.nodeId());
        try (Client client = ClusterClients.connect(leader.connectString(), 20_000)) {
            FollowerRecoveryIT.createMany(client, "/while-cut", 100);
        }
        network.heal();
        cluster.awaitConverged(Timing.seconds(60));
        try (Client reader = ClusterClients.connect(follower.connectString(), 20_000)) {
            reader.sync("/");
            assertThat(reader.zk.getChildren("/while-cut", false)).hasSize(100);
        }
        assertThat(network.replicationLink(leader.nodeId(), follower.nodeId()).acceptedConnections())
                .as("the leader gave up the blackholed connection and opened another").isGreaterThan(connectionsBefore);
    }
}
