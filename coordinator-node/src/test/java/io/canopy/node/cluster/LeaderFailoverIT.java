package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * The leader of a 3-node cluster is killed with SIGKILL while a client keeps 100 creates in flight through the
 * followers. Every acknowledged create must be on every node afterwards, nothing that was never attempted may
 * appear, writes must resume under a new leader, and all three nodes (the old leader restarted) must converge to
 * the same tree digest at the same zxid. Prints the failover time: from the kill to the first acknowledged write
 * issued after it. Without a majority (both followers killed), a write fails with connection loss within the
 * request timeout, and once the cluster is back its multi has applied entirely or not at all. The nodes keep two
 * log entries in flight each (the default in a cluster is one), so that entries still being retried through a
 * follower's Ratis client while the next one is submitted are part of the failover.
 */
class LeaderFailoverIT {

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3)
            .nodeArgs("--canopy.raft.max-in-flight-batches=2");

    @Test
    void noAcknowledgedWriteIsLostWhenTheLeaderIsKilledUnderLoad() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess leader = cluster.leader();
        int[] followerIds = cluster.followers().stream().mapToInt(NodeProcess::nodeId).toArray();
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        Semaphore inFlight = new Semaphore(100);

        try (Client writer = ClusterClients.connect(cluster.connectString(followerIds), 20_000)) {
            writer.zk.create("/fo", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            Thread load = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        if (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
                            continue;   // all 100 waiting (failover): try again, unless told to stop
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    String path = "/fo/n" + i;
                    attempted.add(path);
                    writer.zk.create(path, ("v" + i).getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
                            (rc, p, ctx, name) -> {
                                if (rc == KeeperException.Code.OK.intValue()) {
                                    acknowledged.add(p);
                                }
                                inFlight.release();
                            }, null);
                }
            }, "load");
            load.start();

            awaitAcks(acknowledged, 2000);
            int acksBeforeKill = acknowledged.size();
            long killedAt = System.nanoTime();
            leader.kill9();
            long failoverMillis = firstWriteAfter(writer, killedAt);
            System.out.printf("FAILOVER leader n%d killed under load: first write acknowledged %d ms later%n",
                    leader.nodeId(), failoverMillis);

            awaitAcks(acknowledged, acksBeforeKill + 2000);
            stop.set(true);
            load.join(Timing.seconds(30).toMillis());
            assertThat(inFlight.tryAcquire(100, Timing.seconds(60).toMillis(), TimeUnit.MILLISECONDS))
                    .as("every create was answered").isTrue();
            assertThat(cluster.leader().nodeId()).as("a follower took over").isNotEqualTo(leader.nodeId());
        }

        leader.start();
        cluster.awaitConverged(Timing.seconds(60));
        for (NodeProcess node : cluster.nodes()) {
            try (Client reader = ClusterClients.connect(node.connectString(), 20_000)) {
                reader.sync("/fo");
                List<String> children = reader.zk.getChildren("/fo", false);
                Set<String> present = ConcurrentHashMap.newKeySet();
                children.forEach(c -> present.add("/fo/" + c));
                assertThat(present).as("node %d holds every acknowledged create", node.nodeId())
                        .containsAll(acknowledged);
                assertThat(attempted).as("node %d holds nothing that was never attempted", node.nodeId())
                        .containsAll(present);
            }
        }
    }

    @Test
    void withoutAMajorityWritesFailWithinTheRequestTimeoutAndNothingHalfAppliedRemains() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess survivor = cluster.leader();
        List<NodeProcess> lost = cluster.followers();
        try (Client client = ClusterClients.connect(survivor.connectString(), 30_000)) {
            client.zk.create("/quorum", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (NodeProcess node : lost) {
                node.kill9();
            }
            long started = System.nanoTime();
            List<org.apache.zookeeper.Op> both = List.of(
                    org.apache.zookeeper.Op.create("/quorum/a", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT),
                    org.apache.zookeeper.Op.create("/quorum/b", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT));
            assertThatThrownBy(() -> client.zk.multi(both))
                    .as("a write without a majority fails")
                    .isInstanceOf(KeeperException.ConnectionLossException.class);
            long failedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.printf("NO-QUORUM write failed after %d ms%n", failedAfterMillis);
            assertThat(failedAfterMillis).as("failed within the request timeout (10 s) plus slack")
                    .isLessThan(Timing.seconds(25).toMillis());
        } finally {
            for (NodeProcess node : lost) {
                node.start();
            }
        }
        cluster.awaitConverged(Timing.seconds(60));
        try (Client reader = ClusterClients.connect(cluster.connectString(), 20_000)) {
            reader.sync("/quorum");
            List<String> children = reader.zk.getChildren("/quorum", false);
            assertThat(children.isEmpty() || Set.copyOf(children).equals(Set.of("a", "b")))
                    .as("the multi applied entirely or not at all, but /quorum holds %s", children).isTrue();
        }
    }

    private static void awaitAcks(Set<String> acknowledged, int count) {
        await().atMost(Timing.seconds(120)).pollInterval(Duration.ofMillis(50))
                .alias(count + " acknowledged creates").until(() -> acknowledged.size() >= count);
    }

    /** Retries one write, issued after the kill, until it is acknowledged; returns ms since {@code since}. */
    private static long firstWriteAfter(Client client, long since) throws Exception {
        long deadline = System.nanoTime() + Timing.seconds(60).toNanos();
        while (true) {
            try {
                client.zk.setData("/fo", new byte[] {1}, -1);
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
            } catch (KeeperException.ConnectionLossException e) {
                assertThat(System.nanoTime()).as("a write succeeds within 60 s of the kill").isLessThan(deadline);
            }
        }
    }
}
