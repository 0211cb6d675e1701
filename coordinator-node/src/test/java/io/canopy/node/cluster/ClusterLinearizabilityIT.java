package io.canopy.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.canopy.node.cluster.ClusterClients.Client;
import io.canopy.testcluster.HistoryReport;
import io.canopy.testcluster.Timing;
import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.OpHandle;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.linearizability.CheckResult;
import io.canopy.testcluster.linearizability.LinearizabilityChecker;
import io.canopy.testcluster.linearizability.RegisterState;
import io.canopy.testcluster.process.CanopyCluster;
import io.canopy.testcluster.process.CanopyClusterExtension;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Six clients read (sync, then getData), write (setData) and compare-and-set (setData with the version last seen)
 * three znodes on a 3-node cluster for 60 seconds while a nemesis kills nodes with SIGKILL, pauses the leader
 * (SIGSTOP: it wakes up deposed, with stale state, the ZOOKEEPER-1675 situation) and pauses followers, one at a
 * time. The recorded history is checked by the test-cluster module's linearizability checker: it must find a
 * legal order for every key. Operations whose outcome is unknown (connection loss) may or may not have applied;
 * the checker tries both. The history is written to the IT log folder as JSON lines for post-mortems.
 */
class ClusterLinearizabilityIT {
    private static final String[] KEYS = {"/lin/a", "/lin/b", "/lin/c"};
    private static final int CLIENTS = 6;
    private static final Duration RUN = Duration.ofSeconds(60);

    @RegisterExtension
    static final CanopyClusterExtension CLUSTER = CanopyClusterExtension.nodes(3);

    @Test
    void historyUnderKillsAndPausesIsLinearizable() throws Exception {
        CanopyCluster cluster = CLUSTER.cluster();
        try (Client setup = ClusterClients.connect(cluster.connectString(), 10_000)) {
            setup.zk.create("/lin", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            for (String key : KEYS) {
                setup.zk.create(key, bytes("init"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        }
        long seed = System.nanoTime();
        System.out.println("LINEARIZABILITY seed " + seed);
        History history = new History();
        long deadline = System.nanoTime() + RUN.toNanos();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String clientId = "c" + i;
            Random random = new Random(seed + i);
            Thread t = new Thread(() -> {
                try {
                    runClient(cluster, history, clientId, random, deadline);
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, clientId);
            t.start();
            workers.add(t);
        }
        List<String> faults = new Nemesis(cluster, new Random(seed)).runUntil(deadline);
        for (Thread t : workers) {
            t.join(Timing.seconds(60).toMillis());
        }
        assertThat(errors).as("client threads failed").isEmpty();
        cluster.awaitConverged(Timing.seconds(60));

        CheckResult result = new LinearizabilityChecker()
                .withInitialState(RegisterState.of("init", 0))
                .withTimeout(Duration.ofMinutes(3))
                .check(history);
        String report = HistoryReport.summary(history.operations(), result);
        System.out.println("LINEARIZABILITY faults: " + faults + System.lineSeparator() + report);
        HistoryReport.writeJsonLines(history, Path.of(System.getProperty("canopy.it.logs", "target/it-logs"))
                .resolve("ClusterLinearizabilityIT-history.jsonl"));
        assertThat(faults).as("the nemesis disturbed the cluster").hasSizeGreaterThanOrEqualTo(3);
        long ok = history.operations().stream().filter(o -> o.outcome().name().equals("OK")).count();
        assertThat(ok).as("operations that completed").isGreaterThan(500);
        assertThat(result.isLinearizable()).as(report).isTrue();
    }

    /** Runs operations until the deadline, with a new session whenever a pause outlasted the old one. */
    private static void runClient(CanopyCluster cluster, History history, String clientId, Random random,
                                  long deadline) throws Exception {
        int[] lastVersion = new int[KEYS.length];
        int[] counter = {0};
        while (System.nanoTime() < deadline) {
            try (Client client = ClusterClients.connect(cluster.connectString(), 8_000)) {
                runSession(client, history, clientId, random, deadline, lastVersion, counter);
            }
        }
    }

    /** Returns at the deadline or when the session expired. */
    private static void runSession(Client client, History history, String clientId, Random random, long deadline,
                                   int[] lastVersion, int[] counter) throws InterruptedException {
        try {
            while (System.nanoTime() < deadline) {
                int k = random.nextInt(KEYS.length);
                String key = KEYS[k];
                double dice = random.nextDouble();
                if (dice < 0.4) {
                    read(client, history, clientId, key, lastVersion, k);
                } else {
                    String value = clientId + "-" + counter[0]++;
                    int expected = dice < 0.7 ? -1 : lastVersion[k];
                    OpHandle h = history.invoke(clientId,
                            expected < 0 ? Op.write(key, value) : Op.cas(key, expected, value));
                    complete(history, h, () -> {
                        Stat stat = client.zk.setData(key, bytes(value), expected);
                        lastVersion[k] = stat.getVersion();
                        return Result.version(stat.getVersion());
                    });
                }
            }
        } catch (KeeperException.SessionExpiredException e) {
            // a pause outlasted the session: the caller carries on with a new one
        }
    }

    private static void read(Client client, History history, String clientId, String key, int[] lastVersion, int k)
            throws KeeperException.SessionExpiredException, InterruptedException {
        OpHandle h = history.invoke(clientId, Op.read(key));
        complete(history, h, () -> {
            Stat stat = new Stat();
            client.sync(key);
            byte[] data = client.zk.getData(key, false, stat);
            lastVersion[k] = stat.getVersion();
            return Result.read(new String(data, StandardCharsets.UTF_8), stat.getVersion());
        });
    }

    interface Call {
        Result run() throws Exception;
    }

    /** Runs the call and records its outcome; a session expiry is recorded (unknown outcome) and rethrown. */
    private static void complete(History history, OpHandle h, Call call)
            throws KeeperException.SessionExpiredException, InterruptedException {
        try {
            history.ok(h, call.run());
        } catch (KeeperException e) {
            history.complete(h, e.code().intValue(), null);
            if (e instanceof KeeperException.SessionExpiredException expired) {
                throw expired;
            }
        } catch (InterruptedException e) {
            history.info(h);
            throw e;
        } catch (Exception e) {
            history.info(h);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One fault at a time, each healed before the next: kill -9 and restart, or SIGSTOP and SIGCONT. Its sleeps
     * are the durations of the faults and of the healthy gaps between them: there is no condition to wait for,
     * time is what is injected.
     */
    private static final class Nemesis {
        private final CanopyCluster cluster;
        private final Random random;
        private final AtomicInteger round = new AtomicInteger();

        Nemesis(CanopyCluster cluster, Random random) {
            this.cluster = cluster;
            this.random = random;
        }

        List<String> runUntil(long deadline) throws Exception {
            List<String> done = new ArrayList<>();
            Thread.sleep(3_000);
            while (System.nanoTime() < deadline - Duration.ofSeconds(6).toNanos()) {
                NodeProcess leader = cluster.leader();
                List<NodeProcess> followers = cluster.followers();
                switch (round.getAndIncrement() % 4) {
                    case 0 -> {
                        leader.pause();
                        Thread.sleep(3_000);
                        leader.resume();
                        done.add("pause leader n" + leader.nodeId());
                    }
                    case 1 -> {
                        NodeProcess victim = cluster.nodes().get(random.nextInt(cluster.nodes().size()));
                        victim.kill9();
                        Thread.sleep(2_000);
                        victim.start();
                        done.add("kill -9 n" + victim.nodeId());
                    }
                    case 2 -> {
                        NodeProcess victim = followers.get(random.nextInt(followers.size()));
                        victim.pause();
                        Thread.sleep(3_000);
                        victim.resume();
                        done.add("pause follower n" + victim.nodeId());
                    }
                    default -> {
                        leader.kill9();
                        Thread.sleep(2_000);
                        leader.start();
                        done.add("kill -9 leader n" + leader.nodeId());
                    }
                }
                Thread.sleep(2_000);
            }
            return done;
        }
    }
}
