package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeLog;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Followers that crash or lose their disk catch up: a follower killed with SIGKILL misses writes and replays
 * them from the leader's log when it restarts; a follower whose data folder is wiped rejoins empty and, since the
 * leader has purged the log behind its snapshot, is sent the leader's snapshot. Both end with the same tree
 * digest as the others. Snapshots every 300 entries and 64 KB log segments make the leader purge its log quickly
 * (only whole closed segments behind a snapshot are purged).
 */
class FollowerRecoveryIT {
    /** SnapshotWriter's line for a snapshot made durable; the file name ends in the snapshot's log index. */
    private static final Pattern TOOK_SNAPSHOT = Pattern.compile("Took snapshot snapshot\\.\\d+_(\\d+)");

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3)
            .nodeArgs("--canopy.snapshot.threshold=300", "--canopy.snapshot.log-retention=50",
                    "--canopy.raft.log-segment-size=64KB");

    @Test
    void aKilledFollowerCatchesUpFromTheLog() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess follower = cluster.followers().get(0);
        try (Client client = ClusterClients.connect(cluster.leader().connectString(), 20_000)) {
            createMany(client, "/killed", 200);
            follower.kill9();
            createMany(client, "/while-down", 500);
        }
        follower.start();
        cluster.awaitConverged(Timing.seconds(60));
        try (Client reader = ClusterClients.connect(follower.connectString(), 20_000)) {
            reader.sync("/");
            assertThat(reader.zk.getChildren("/while-down", false)).hasSize(500);
        }
    }

    @Test
    void aWipedFollowerRejoinsFromTheLeadersSnapshot() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        NodeProcess follower = cluster.followers().get(0);
        follower.stop();
        // An orderly stop is not a removal: Ratis reports the member's own shutdown, which must not read as one.
        List<String> lastRun = linesOfLastRun(follower);
        assertThat(lastRun).as("its stop was logged")
                .anyMatch(l -> l.contains("Canopy node " + follower.nodeId() + " stopped"));
        assertThat(lastRun).as("stop logged as a removal")
                .noneMatch(l -> l.contains("no longer in the Raft configuration"));
        follower.wipeData();
        try (Client client = ClusterClients.connect(cluster.leader().connectString(), 20_000)) {
            // Well past Ratis's purge gap (1024 entries) behind a snapshot: the early log is gone.
            createMany(client, "/wiped", 2500);
        }
        long snapshotsLoadedBefore = countLines(follower, "Loaded snapshot");
        follower.start();
        cluster.awaitConverged(Timing.seconds(90));
        assertThat(countLines(follower, "Loaded snapshot")).as("the rejoined node installed a snapshot")
                .isGreaterThan(snapshotsLoadedBefore);
        try (Client reader = ClusterClients.connect(follower.connectString(), 20_000)) {
            reader.sync("/");
            assertThat(reader.zk.getChildren("/wiped", false)).hasSize(2500);
        }
    }

    /**
     * Every member applies the same entries, but each draws its own count of entries between snapshots (between
     * half the threshold plus one and the threshold, again after every snapshot: ZooKeeper's snapCount rule), so
     * that the members do not all write a snapshot at once: over the same 1,200 entries, no two members took their
     * snapshots at the same indexes.
     */
    @Test
    void membersSnapshotAtIndexesOfTheirOwn() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        cluster.awaitConverged(Timing.seconds(60));
        Map<Integer, Long> linesBefore = new HashMap<>();
        for (NodeProcess node : cluster.nodes()) {
            linesBefore.put(node.nodeId(), (long) Files.readAllLines(node.logFile()).size());
        }
        try (Client client = ClusterClients.connect(cluster.leader().connectString(), 20_000)) {
            createMany(client, "/spread", 1200);
        }
        Map<Integer, List<Long>> snapshotIndexes = new HashMap<>();
        await().atMost(Timing.seconds(30)).untilAsserted(() -> {
            for (NodeProcess node : cluster.nodes()) {
                List<Long> indexes = new ArrayList<>();
                List<String> lines = Files.readAllLines(node.logFile());
                for (String line : lines.subList(linesBefore.get(node.nodeId()).intValue(), lines.size())) {
                    Matcher m = TOOK_SNAPSHOT.matcher(line);
                    if (m.find()) {
                        indexes.add(Long.parseLong(m.group(1)));
                    }
                }
                assertThat(indexes).as("node %d's snapshots over 1,200 entries", node.nodeId()).hasSizeGreaterThan(2);
                snapshotIndexes.put(node.nodeId(), indexes);
            }
        });
        // With one fixed count the members snapshot within an entry or two of each other (where each happens to be
        // when Ratis asks); drawn counts put them tens to hundreds of entries apart.
        assertThat(farthestApart(snapshotIndexes.values())).as("snapshot indexes by node: %s", snapshotIndexes)
                .isGreaterThan(10);
    }

    /** The largest distance from a snapshot index of one member to the nearest snapshot index of another. */
    private static long farthestApart(Collection<List<Long>> byMember) {
        long farthest = 0;
        for (List<Long> a : byMember) {
            for (List<Long> b : byMember) {
                for (long x : a) {
                    farthest = Math.max(farthest, b.stream().mapToLong(y -> Math.abs(x - y)).min().orElse(0));
                }
            }
        }
        return farthest;
    }

    /**
     * Creates {@code parent} and {@code count} children one after the other, so that each create is its own Raft
     * entry (concurrent creates would be batched into fewer entries).
     */
    static void createMany(Client client, String parent, int count) throws Exception {
        client.zk.create(parent, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        for (int i = 0; i < count; i++) {
            client.zk.create(parent + "/n" + i, new byte[16], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
    }

    /** The node's log since its last start (the file is appended to across starts and test runs). */
    private static List<String> linesOfLastRun(NodeProcess node) throws Exception {
        List<String> lines = Files.readAllLines(node.logFile());
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(NodeLog.MARKER) && lines.get(i).contains("starting")) {
                start = i;
            }
        }
        return lines.subList(start, lines.size());
    }

    private static long countLines(NodeProcess node, String text) throws Exception {
        try (var lines = Files.lines(node.logFile())) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }
}
