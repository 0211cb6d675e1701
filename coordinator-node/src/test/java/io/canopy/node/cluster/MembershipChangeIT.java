package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Run-time membership changes through the official {@code ZooKeeperAdmin} client, authenticated as the super
 * user, on one cluster in sequential phases: three voters grow to five (one reconfig per node, each new node
 * started with {@code canopy.cluster.join=true}) and tolerate two failures; an observer (Ratis listener) serves
 * reads, writes and sync without counting for the quorum; refused reconfigs leave /zookeeper/config unchanged;
 * a removed voter stops serving clients while the rest keep committing. The joining nodes are launched together
 * at the start, so their JVM start-up overlaps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MembershipChangeIT {
    private static final int SESSION_MS = 30_000;
    private static final String SUPER_PASSWORD = "super:membership-secret";

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3)
            .nodeArgs("--canopy.security.super-digest=" + superDigest());

    private static NodeProcess node4;
    private static NodeProcess node5;
    private static NodeProcess observer;

    @Test
    @Order(1)
    void threeVotersGrowToFiveOneReconfigEachAndTolerateTwoFailures() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        node4 = cluster.addNode();
        node5 = cluster.addNode();
        observer = cluster.addObserver();
        long started = System.nanoTime();
        for (NodeProcess joining : List.of(node4, node5, observer)) {
            joining.awaitServing(Timing.seconds(120));
        }
        log("three joining JVMs serving ruok after %d ms", started);
        // The observer joins in the next phase; paused meanwhile, it is left out of this phase's convergence checks
        // (its JVM was started now only so that the three start-ups overlap).
        observer.pause();
        assertThat(node4.mode()).as("a joining node is no member yet").isNotEqualTo("leader");

        try (Client data = ClusterClients.connect(cluster.connectString(1, 2, 3), SESSION_MS)) {
            data.zk.create("/grown", bytes("before"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        try (ZooKeeperAdmin admin = superAdmin(cluster.connectString(1, 2, 3))) {
            for (NodeProcess joining : List.of(node4, node5)) {
                long t = System.nanoTime();
                Stat stat = new Stat();
                byte[] config = admin.reconfigure(spec(joining, "participant"), null, null, -1, stat);
                log("reconfig -add server.%d (catch-up and joint consensus) took %d ms", t, joining.nodeId());
                QuorumMaj quorum = parse(config);
                assertThat(quorum.getVotingMembers()).containsKey((long) joining.nodeId());
                assertThat(quorum.getVersion()).as("the version is the zxid that wrote the config")
                        .isEqualTo(stat.getMzxid());
            }
            Stat stat = new Stat();
            QuorumMaj five = parse(admin.getConfig(false, stat));
            assertThat(five.getVotingMembers()).containsOnlyKeys(1L, 2L, 3L, 4L, 5L);
            assertThat(five.getObservingMembers()).isEmpty();
            assertThat(five.getVersion()).isEqualTo(stat.getMzxid());
            assertThat(stat.getVersion()).isEqualTo(-1);
        }
        long t = System.nanoTime();
        cluster.awaitConverged(Timing.seconds(60));
        log("five voters converged %d ms after the second reconfig", t);
        assertThat(List.of(node4.mode(), node5.mode())).allMatch(m -> m.equals("leader") || m.equals("follower"));

        // The new members serve reads and writes.
        try (Client onFour = ClusterClients.connect(node4.connectString(), SESSION_MS);
             Client onFive = ClusterClients.connect(node5.connectString(), SESSION_MS)) {
            assertThat(onFour.zk.getData("/grown", false, null)).isEqualTo(bytes("before"));
            onFour.zk.create("/grown/by4", bytes("4"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(onFive.syncedGet("/grown/by4")).isEqualTo(bytes("4"));
        }

        // A five-voter cluster tolerates two failures: kill -9 the leader and another voter.
        NodeProcess leader = cluster.leader();
        NodeProcess other = cluster.followers().stream().filter(n -> n != observer).findFirst().orElseThrow();
        leader.kill9();
        other.kill9();
        t = System.nanoTime();
        int[] survivors = cluster.nodes().stream()
                .filter(n -> n.isAlive() && n != observer).mapToInt(NodeProcess::nodeId).toArray();
        assertThat(survivors).hasSize(3);
        try (Client client = ClusterClients.connect(cluster.connectString(survivors), SESSION_MS)) {
            for (int i = 0; i < 10; i++) {
                String path = "/grown/after-kill-" + i;
                ClusterClients.retryingConnectionLoss(() -> {
                    try {
                        return client.zk.create(path, bytes("x"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    } catch (KeeperException.NodeExistsException e) {
                        return path;   // the first attempt went through before its connection was lost
                    }
                });
            }
            assertThat(client.syncedGet("/grown/after-kill-9")).isEqualTo(bytes("x"));
        }
        log("writes committed on the three survivors, first one %d ms after killing two voters", t);
        killed = new NodeProcess[] {leader, other};
    }

    /** The two voters killed in phase 1, removed in the last phase. */
    private static NodeProcess[] killed;

    @Test
    @Order(2)
    void anObserverServesReadsWritesAndSyncAndDoesNotCountForTheQuorum() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        observer.resume();
        int[] voters = liveVoters(cluster);
        try (ZooKeeperAdmin admin = superAdmin(cluster.connectString(voters))) {
            long t = System.nanoTime();
            Stat stat = new Stat();
            QuorumMaj quorum = parse(admin.reconfigure(spec(observer, "observer"), null, null, -1, stat));
            log("reconfig -add server.%d:observer took %d ms", t, observer.nodeId());
            assertThat(quorum.getObservingMembers()).containsOnlyKeys((long) observer.nodeId());
            assertThat(quorum.getVotingMembers()).hasSize(5);
            assertThat(quorum.getVersion()).isEqualTo(stat.getMzxid());
        }
        Awaitility.await().atMost(Timing.seconds(30)).untilAsserted(() -> {
            assertThat(observer.mode()).isEqualTo("observer");
            assertThat(observer.mntr()).containsEntry("zk_server_state", "observer");
        });
        try (Client elsewhere = ClusterClients.connect(cluster.connectString(voters), SESSION_MS);
             Client onObserver = ClusterClients.connect(observer.connectString(), SESSION_MS)) {
            elsewhere.zk.create("/observed", bytes("from a voter"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(onObserver.syncedGet("/observed")).isEqualTo(bytes("from a voter"));
            onObserver.zk.create("/observed/by-observer", bytes("o"), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            assertThat(onObserver.zk.getData("/observed/by-observer", false, null)).isEqualTo(bytes("o"));
            assertThat(elsewhere.syncedGet("/observed/by-observer")).isEqualTo(bytes("o"));
        }
        cluster.awaitConverged(Timing.seconds(60));

        // Three of five voters are alive; losing the observer changes nothing for the quorum.
        observer.kill9();
        try (Client client = ClusterClients.connect(cluster.connectString(voters), SESSION_MS)) {
            client.zk.create("/observed/after-observer-died", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
        }
    }

    @Test
    @Order(3)
    void refusedReconfigsLeaveTheConfigUnchanged() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        String connect = cluster.connectString(liveVoters(cluster));
        String newServer = "server.9=127.0.0.19:9999:10000:participant;127.0.0.19:2199";
        try (ZooKeeperAdmin admin = superAdmin(connect);
             ZooKeeperAdmin anonymous = admin(connect)) {
            Stat before = new Stat();
            byte[] config = admin.getConfig(false, before);

            assertThatThrownBy(() -> anonymous.reconfigure(newServer, null, null, -1, new Stat()))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> admin.reconfigure(newServer, null, null, before.getMzxid() - 1, new Stat()))
                    .isInstanceOf(KeeperException.BadVersionException.class);
            assertThatThrownBy(() -> admin.reconfigure("server.9=nonsense", null, null, -1, new Stat()))
                    .isInstanceOf(KeeperException.BadArgumentsException.class);

            Stat after = new Stat();
            assertThat(admin.getConfig(false, after)).isEqualTo(config);
            assertThat(after).isEqualTo(before);
        }
    }

    @Test
    @Order(4)
    void theLeaderRemovedThroughItsOwnConnectionAnswersStopsServingAndTheRestKeepCommitting() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        int[] voters = liveVoters(cluster);
        // The leader itself: it stays leader until the new configuration commits, then steps down, and the rest
        // elect another.
        NodeProcess removed = cluster.leader();
        int[] rest = java.util.Arrays.stream(voters).filter(id -> id != removed.nodeId()).toArray();

        Client onRemoved = ClusterClients.connect(removed.connectString(), SESSION_MS);
        // The reconfig goes through the node it removes: that node never applies the new configuration's text,
        // yet its client gets the answer (the next leader's outcome) before the node closes the connection.
        ZooKeeperAdmin admin = superAdmin(removed.connectString());
        long answeredVersion;
        try {
            // The dead voters go too: a change must keep a live majority in the new configuration.
            String leaving = removed.nodeId() + "," + killed[0].nodeId() + "," + killed[1].nodeId();
            long t = System.nanoTime();
            Stat stat = new Stat();
            QuorumMaj quorum = parse(admin.reconfigure(null, leaving, null, -1, stat));
            log("reconfig -remove %s through the removed node took %d ms", t, leaving);
            assertThat(quorum.getVotingMembers().keySet()).containsExactlyInAnyOrderElementsOf(
                    java.util.Arrays.stream(rest).mapToObj(id -> (long) id).toList());
            assertThat(quorum.getVersion()).isEqualTo(stat.getMzxid());
            answeredVersion = quorum.getVersion();

            // Its clients are disconnected and it accepts no new session.
            Awaitility.await().atMost(Timing.seconds(30)).untilAsserted(() ->
                    assertThat(onRemoved.states).contains(Watcher.Event.KeeperState.Disconnected));
            assertThat(countLines(removed, "no longer in the Raft configuration")).isPositive();
        } finally {
            admin.close(1000);          // their node refuses them: do not wait for a closeSession reply
            onRemoved.zk.close(1000);
        }
        assertThat(refusesSessions(removed, Duration.ofSeconds(3))).isTrue();

        try (Client client = ClusterClients.connect(cluster.connectString(rest), SESSION_MS)) {
            client.zk.create("/after-removal", bytes("ok"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(client.syncedGet("/after-removal")).isEqualTo(bytes("ok"));
            QuorumMaj shown = parse(client.zk.getConfig(false, null));
            assertThat(shown.getVotingMembers()).doesNotContainKey((long) removed.nodeId());
            assertThat(shown.getVersion()).as("the configuration the removed node answered").isEqualTo(answeredVersion);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The ids of the running voters (every running node but the observer). */
    private static int[] liveVoters(CanopyCluster cluster) {
        return cluster.nodes().stream().filter(n -> n.isAlive() && n != observer).mapToInt(NodeProcess::nodeId)
                .toArray();
    }

    /** ZooKeeper's joining-server spec of a node: quorum port = its peer port, election port the next one. */
    private static String spec(NodeProcess node, String role) {
        return "server." + node.nodeId() + "=" + node.host() + ":" + node.peerPort() + ":" + (node.peerPort() + 1)
                + ":" + role + ";" + node.host() + ":" + node.clientPort();
    }

    private static ZooKeeperAdmin superAdmin(String connectString) throws Exception {
        ZooKeeperAdmin admin = admin(connectString);
        admin.addAuthInfo("digest", SUPER_PASSWORD.getBytes(StandardCharsets.UTF_8));
        return admin;
    }

    private static ZooKeeperAdmin admin(String connectString) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeperAdmin admin = new ZooKeeperAdmin(connectString, SESSION_MS, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
            admin.close();
            throw new AssertionError("no admin session with " + connectString);
        }
        return admin;
    }

    /** Whether a new client of this node alone gets no session for {@code wait}. */
    private static boolean refusesSessions(NodeProcess node, Duration wait) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(node.connectString(), SESSION_MS,
                e -> {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                });
        try {
            return !connected.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            zk.close(1000);
        }
    }

    private static QuorumMaj parse(byte[] config) throws Exception {
        Properties props = new Properties();
        props.load(new StringReader(new String(config, StandardCharsets.UTF_8)));
        return new QuorumMaj(props);
    }

    private static long countLines(NodeProcess node, String text) throws Exception {
        try (var lines = Files.lines(node.logFile())) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void log(String format, long startedNanos, Object... args) {
        Object[] all = new Object[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = (System.nanoTime() - startedNanos) / 1_000_000;
        System.out.println("[MembershipChangeIT] " + String.format(format, all));
    }

    private static String superDigest() {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(SUPER_PASSWORD.getBytes(StandardCharsets.UTF_8));
            return "super:" + Base64.getEncoder().encodeToString(sha1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
