package io.canopy.node.replication;

import static io.canopy.testcluster.process.LoopbackPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;
import io.canopy.node.replication.RatisTxnLogTest.RecordingApplier;

/**
 * A follower's runs travel to the leader over their stream (three Raft members in this JVM): the follower's write
 * is answered from its own apply (a leader slow to apply is neither waited for nor given up on), and a follower
 * left without a majority fails its writes and writes again once the others are back.
 */
class ForwardingTest {
    /** The cxid that makes the leader's applier take {@link #SLOW_APPLY}. */
    private static final int SLOW_CXID = 7777;
    /** Longer than an election timeout, well within the request timeout. */
    private static final Duration SLOW_APPLY = Duration.ofMillis(2500);

    @TempDir
    Path dir;

    private final List<ReplicationSettings> settings = new ArrayList<>();
    private final List<RatisTxnLog> logs = new ArrayList<>();
    private final List<SlowLeaderApplier> appliers = new ArrayList<>();

    /** Records like the adapter test's applier and, while this member leads, applies {@link #SLOW_CXID} slowly. */
    static final class SlowLeaderApplier extends RecordingApplier {
        volatile boolean leading;
        /** While set, a follower's apply of an entry holding {@link #ANSWERED_CXID} waits for it. */
        volatile CountDownLatch holdAnswered;

        @Override
        public Applied apply(long logIndex, byte[] entry) {
            Batch b = BatchCodec.decode(entry);
            try {
                if (leading && b.txns().stream().anyMatch(t -> t.cxid() == SLOW_CXID)) {
                    Thread.sleep(SLOW_APPLY.toMillis());
                }
                CountDownLatch hold = holdAnswered;
                if (!leading && hold != null && b.txns().stream().anyMatch(t -> t.cxid() == ANSWERED_CXID)) {
                    hold.await(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.apply(logIndex, entry);
        }

        @Override
        public void leadershipChanged(boolean leader) {
            leading = leader;
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (RatisTxnLog log : logs) {
            if (log != null) {
                log.close();
            }
        }
    }

    /** Starts three members whose requests time out after {@code requestTimeout}, and waits for a leader. */
    private void startThree(Duration requestTimeout) throws Exception {
        List<ReplicationSettings.Member> members = List.of(
                new ReplicationSettings.Member(1, "127.0.0.1", 2181, freePort()),
                new ReplicationSettings.Member(2, "127.0.0.1", 2182, freePort()),
                new ReplicationSettings.Member(3, "127.0.0.1", 2183, freePort()));
        for (int id = 1; id <= 3; id++) {
            // Election timeouts of 1-2 s, shorter than the leader's slow apply.
            settings.add(new ReplicationSettings(id, members, false, "127.0.0.1", "test", dir.resolve("n" + id),
                    Duration.ofSeconds(1), Duration.ofSeconds(2), requestTimeout, 100, 1024 * 1024, 2, 100_000, 2,
                    100, 32L << 20));
            logs.add(null);
            appliers.add(null);
            start(id - 1);
        }
        awaitServing();
    }

    private void start(int i) throws Exception {
        RatisTxnLog log = new RatisTxnLog(settings.get(i), Clock.systemUTC());
        SlowLeaderApplier applier = new SlowLeaderApplier();
        applier.name = "n" + (i + 1);
        logs.set(i, log);
        appliers.set(i, applier);
        log.start(applier);
    }

    private void awaitServing() {
        await().atMost(30, TimeUnit.SECONDS).until(() -> logs.stream().allMatch(RatisTxnLog::isServing)
                && logs.stream().filter(RatisTxnLog::isLeaderReady).count() == 1);
    }

    @Test
    void aFollowersWriteIsAnsweredFromItsOwnApplyWithoutWaitingForTheLeaders() throws Exception {
        startThree(Duration.ofSeconds(10));
        RatisTxnLog leader = logs.stream().filter(RatisTxnLog::isLeaderReady).findFirst().orElseThrow();
        RatisTxnLog follower = logs.stream().filter(l -> l != leader).findFirst().orElseThrow();

        follower.propose(txn(1)).get(10, TimeUnit.SECONDS);   // the stream to the leader is open
        long restartsBefore = follower.streamRestarts();

        long started = System.nanoTime();
        follower.propose(txn(SLOW_CXID)).get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        // The leader answers the forwarded run once queued; the follower hears the outcome from its own apply.
        assertThat(took).as("the leader's slow apply was not waited for").isLessThan(SLOW_APPLY);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(applied(SLOW_CXID)).containsOnly(1));
        assertThat(follower.streamRestarts()).as("the follower never gave up on its run").isEqualTo(restartsBefore);
    }

    @Test
    void aFollowerLeftAloneFailsItsWritesAndWritesAgainOnceAMajorityIsBack() throws Exception {
        startThree(Duration.ofSeconds(2));
        int follower = logs.indexOf(logs.stream().filter(l -> !l.isLeaderReady()).findFirst().orElseThrow());
        logs.get(follower).propose(txn(1)).get(10, TimeUnit.SECONDS);

        for (int i = 0; i < 3; i++) {
            if (i != follower) {
                logs.get(i).close();
            }
        }
        // Alone: its runs go to a leader that is gone, and fail (the batcher starts a new stream each time).
        for (int cxid = 2; cxid <= 3; cxid++) {
            int c = cxid;
            assertThatThrownBy(() -> logs.get(follower).propose(txn(c)).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }

        for (int i = 0; i < 3; i++) {
            if (i != follower) {
                start(i);
            }
        }
        awaitServing();
        logs.get(follower).propose(txn(4)).get(10, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(applied(4)).containsOnly(1));
        assertThat(applied(2)).as("nothing that failed was applied").containsOnly(0);
    }

    @Test
    void aProposalAnsweredAtCommitCarriesTheLeadersOutcomeWithoutWaitingForThisNodesApply() throws Exception {
        startThree(Duration.ofSeconds(10));
        RatisTxnLog leader = logs.stream().filter(RatisTxnLog::isLeaderReady).findFirst().orElseThrow();
        int follower = logs.indexOf(logs.stream().filter(l -> l != leader).findFirst().orElseThrow());
        CountDownLatch hold = new CountDownLatch(1);
        appliers.get(follower).holdAnswered = hold;
        try {
            // As for a node that left the configuration: its own apply of the entry does not come.
            byte[] answer = logs.get(follower).proposeCommitted(txn(RecordingApplier.ANSWERED_CXID))
                    .get(10, TimeUnit.SECONDS);

            String leaderName = "n" + (logs.indexOf(leader) + 1);
            assertThat(new String(answer, StandardCharsets.UTF_8)).startsWith(leaderName + "@");
            long index = Long.parseLong(new String(answer, StandardCharsets.UTF_8).substring(leaderName.length() + 1));
            assertThat(appliers.get(follower).lastAppliedIndex()).as("not yet applied on the proposer")
                    .isLessThan(index);
            assertThat(applied(RecordingApplier.ANSWERED_CXID).get(follower)).isZero();
        } finally {
            hold.countDown();
        }
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(applied(RecordingApplier.ANSWERED_CXID)).containsOnly(1));
        // An entry without such a transaction answers nothing beyond its index.
        assertThat(logs.get(follower).proposeCommitted(txn(5)).get(10, TimeUnit.SECONDS)).isEmpty();
    }

    /** How many times each member applied the transaction with {@code cxid}. */
    private List<Integer> applied(int cxid) {
        return appliers.stream().map(a -> {
            synchronized (a.applied) {
                return (int) a.applied.stream().filter(t -> t[1] == cxid).count();
            }
        }).toList();
    }

    private static Txn txn(int cxid) {
        return new Txn(42, cxid, 5, new byte[16], List.of(), 1, cxid);
    }
}
