package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.nodes.GroupMember;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Curator recipes built on the primitives: locks, leader election, barriers and group membership.
 * Queues, shared counters and caches are in {@link AbstractRecipesDataConformanceTest}.
 */
public abstract class AbstractRecipesConformanceTest extends ConformanceTestBase {

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Runs {@code n} tasks in parallel and returns their results, failing on any error or timeout. */
    protected <T> List<T> parallel(int n, TaskFactory<T> factory) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(factory.task(i)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(Timing.seconds(90).toMillis(), TimeUnit.MILLISECONDS));
        }
        return results;
    }

    @Test
    void interProcessMutexNeverHasTwoHolders() throws Exception {
        int clients = 8;
        int rounds = 200;
        String lockPath = path("lock");
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] counter = {0};
        List<CuratorFramework> curators = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            curators.add(curator());
        }
        parallel(clients, i -> () -> {
            InterProcessMutex mutex = new InterProcessMutex(curators.get(i), lockPath);
            for (int r = 0; r < rounds; r++) {
                assertThat(mutex.acquire(Timing.seconds(60).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                try {
                    if (holders.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    counter[0] = counter[0] + 1; // Deliberately unsynchronized: only the lock protects it.
                    holders.decrementAndGet();
                } finally {
                    mutex.release();
                }
            }
            return null;
        });
        assertThat(overlaps.get()).isZero();
        // The holders counter's volatile accesses order the plain writes, and Future.get publishes them.
        assertThat(counter[0]).isEqualTo(clients * rounds);
        // Curator makes the lock's parent a container: once empty, the server may already have removed it.
        List<String> left;
        try {
            left = admin.getChildren(lockPath, false);
        } catch (KeeperException.NoNodeException removedWhenEmpty) {
            left = List.of();
        }
        assertThat(left).as("every lock node is gone").isEmpty();
    }

    @Test
    void leaderLatchElectsExactlyOneAndHandsOver() throws Exception {
        List<LeaderLatch> latches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LeaderLatch latch = closeLater(new LeaderLatch(curator(), path("leader"), "member-" + i));
            latch.start();
            latches.add(latch);
        }
        await().until(() -> latches.stream().filter(LeaderLatch::hasLeadership).count() == 1);
        LeaderLatch leader = latches.stream().filter(LeaderLatch::hasLeadership).findFirst().orElseThrow();
        assertThat(latches.get(0).getLeader().getId()).isEqualTo(leader.getId());

        leader.close();
        latches.remove(leader);
        await().until(() -> latches.stream().filter(LeaderLatch::hasLeadership).count() == 1);
        LeaderLatch next = latches.stream().filter(LeaderLatch::hasLeadership).findFirst().orElseThrow();
        await().until(() -> latches.get(0).getLeader().getId().equals(next.getId()));
        assertThat(latches.get(0).getParticipants()).hasSize(2);
    }

    @Test
    void leaderSelectorGivesLeadershipToOneAtATime() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<String> leaders = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "selector-" + i;
            LeaderSelector selector = closeLater(new LeaderSelector(curator(), path("select"),
                    new LeaderSelectorListenerAdapter() {
                        @Override
                        public void takeLeadership(CuratorFramework client) {
                            if (active.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            leaders.add(id);
                            active.decrementAndGet();
                        }
                    }));
            selector.setId(id);
            selector.start();
        }
        await().until(() -> leaders.size() == 3);
        assertThat(leaders).containsExactlyInAnyOrder("selector-0", "selector-1", "selector-2");
        assertThat(overlaps.get()).isZero();
    }

    @Test
    void distributedBarrierHoldsUntilRemoved() throws Exception {
        DistributedBarrier controller = new DistributedBarrier(curator(), path("barrier"));
        controller.setBarrier();
        DistributedBarrier probe = new DistributedBarrier(curator(), path("barrier"));
        assertThat(probe.waitOnBarrier(100, TimeUnit.MILLISECONDS)).as("still closed").isFalse();
        List<CuratorFramework> waiters = List.of(curator(), curator());
        List<Future<Boolean>> passed = new ArrayList<>();
        for (CuratorFramework waiter : waiters) {
            passed.add(pool.submit(() -> new DistributedBarrier(waiter, path("barrier"))
                    .waitOnBarrier(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS)));
        }
        controller.removeBarrier();
        for (Future<Boolean> future : passed) {
            assertThat(future.get(Timing.seconds(40).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
    }

    @Test
    void doubleBarrierLetsEveryoneInAndOutTogether() throws Exception {
        int members = 3;
        List<CuratorFramework> clients = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            clients.add(curator());
        }
        List<Boolean> results = parallel(members, i -> () -> {
            DistributedDoubleBarrier barrier = new DistributedDoubleBarrier(clients.get(i), path("double"), members);
            boolean entered = barrier.enter(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
            boolean left = barrier.leave(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
            return entered && left;
        });
        assertThat(results).containsOnly(true);
    }

    @Test
    void groupMembershipFollowsEphemeralMembers() throws Exception {
        List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            GroupMember member = closeLater(new GroupMember(curator(), path("group"), "m" + i, bytes("payload-" + i)));
            member.start();
            members.add(member);
        }
        await().until(() -> members.get(0).getCurrentMembers().size() == 3);
        assertThat(string(members.get(0).getCurrentMembers().get("m2"))).isEqualTo("payload-2");
        members.get(2).close();
        // Each member follows the group through its own cache, so each sees the departure in its own time.
        await().until(() -> members.get(0).getCurrentMembers().keySet().equals(java.util.Set.of("m0", "m1"))
                && members.get(1).getCurrentMembers().keySet().equals(java.util.Set.of("m0", "m1")));
    }

    @Test
    void persistentEphemeralNodeIsRecreatedAfterSessionExpiry() throws Exception {
        CuratorFramework client = curator();
        PersistentNode node = closeLater(new PersistentNode(client, CreateMode.EPHEMERAL, false, path("me"),
                bytes("here")));
        node.start();
        assertThat(node.waitForInitialCreate(Timing.seconds(15).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        long firstOwner = stat(path("me")).getEphemeralOwner();
        assertThat(firstOwner).isEqualTo(client.getZookeeperClient().getZooKeeper().getSessionId());

        target().expireSession(client.getZookeeperClient().getZooKeeper());
        await().ignoreExceptions().until(() -> {
            Stat stat = admin.exists(path("me"), false);
            return stat != null && stat.getEphemeralOwner() != firstOwner;
        });
        assertThat(string(admin.getData(path("me"), false, null))).isEqualTo("here");
    }

    /** Makes the i-th parallel task. */
    @FunctionalInterface
    protected interface TaskFactory<T> {
        Callable<T> task(int i) throws Exception;
    }
}
