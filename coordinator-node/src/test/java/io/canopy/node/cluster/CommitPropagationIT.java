package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * A write answered by a follower is answered once that follower has applied it, so it waits until the follower
 * hears of the new commit index. The leader must tell it at once, not in its next heartbeat: with an election
 * timeout of 10-12 s, heartbeats leave every 5 s, and twenty writes in a row through a follower must take less
 * than one heartbeat interval in all (waiting for heartbeats they would take about a minute). Ratis 3.3.0 does
 * this only when commit-index log records are on; Canopy turns those off and has its leader's appender
 * ({@code CommitNotifyingGrpc}) send the commit instead (checked: with Ratis's plain appender and no records, this
 * test fails).
 */
class CommitPropagationIT {
    private static final int WRITES = 20;
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

    @RegisterExtension
    static final CanopyClusterExtension cluster = CanopyClusterExtension.nodes(3)
            .nodeArgs("--canopy.raft.election-timeout-min=10s", "--canopy.raft.election-timeout-max=12s");

    @Test
    void aFollowerAnswersItsWritesWithoutWaitingForTheLeadersHeartbeat() throws Exception {
        NodeProcess follower = cluster.cluster().followers().get(0);
        try (ClusterClients.Client client = ClusterClients.connect(follower.connectString(), 30_000)) {
            client.zk.create("/commit-propagation", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            long started = System.nanoTime();
            for (int i = 0; i < WRITES; i++) {
                client.zk.setData("/commit-propagation", ("v" + i).getBytes(StandardCharsets.UTF_8), i);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("COMMIT_PROPAGATION %d writes through follower %d took %d ms%n", WRITES,
                    follower.nodeId(), took.toMillis());
            assertThat(took).as("%d writes through a follower", WRITES).isLessThan(HEARTBEAT_INTERVAL);
        }
    }
}
