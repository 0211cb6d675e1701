package io.canopy.node.replication;

import static io.canopy.testcluster.process.LoopbackPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.core.RunVerdict;
import io.canopy.core.StreamTable;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;

/** The Ratis adapter alone, with a recording applier: ordering, batching, durability across restart, sync. */
class RatisTxnLogTest {

    @TempDir
    Path dir;

    /** Records the (sessionId, cxid) of every applied transaction, in apply order. */
    static class RecordingApplier implements StateMachineApplier {
        final List<long[]> applied = Collections.synchronizedList(new ArrayList<>());
        final List<long[]> activeElsewhere = Collections.synchronizedList(new ArrayList<>());
        /** The quota enforcement flag of every applied entry that held a proposal of the test. */
        final List<Boolean> enforceQuota = Collections.synchronizedList(new ArrayList<>());
        volatile long lastIndex;
        /** The index of the last entry that held a proposal of the test (not only sync barriers). */
        volatile long lastTxnIndex;
        volatile int entries;
        /** Names this member in its answers. */
        volatile String name = "";

        /** An entry holding a transaction with this cxid answers its proposer with the member and the index. */
        static final int ANSWERED_CXID = 8888;

        static byte[] answer(String name, long logIndex) {
            return (name + "@" + logIndex).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        /** If set, apply waits for this latch on an entry holding a transaction with cxid {@link #GATED_CXID}. */
        volatile CountDownLatch gate;
        static final int GATED_CXID = 7777;

        /** The nodes' streams, as the real state machine keeps them (apply admits runs alike). */
        StreamTable streams = new StreamTable();

        @Override
        public Applied apply(long logIndex, byte[] entry) {
            Batch b = BatchCodec.decode(entry);
            assertThat(logIndex).isGreaterThan(lastIndex);
            List<RunVerdict> verdicts = new ArrayList<>();
            List<Txn> admitted = new ArrayList<>();
            if (b.runs().isEmpty()) {
                admitted.addAll(b.txns());
            } else {
                int position = 0;
                for (Run run : b.runs()) {
                    RunVerdict v = streams.admit(run);
                    verdicts.add(v);
                    if (v.decision() == RunVerdict.Decision.ADMITTED) {
                        admitted.addAll(b.txns().subList(position, position + run.count()));
                    }
                    position += run.count();
                }
            }
            CountDownLatch g = gate;
            if (g != null && admitted.stream().anyMatch(t -> t.cxid() == GATED_CXID)) {
                try {
                    assertThat(g.await(20, TimeUnit.SECONDS)).as("the test opened the gate").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Txn t : admitted) {
                if (t.type() != TxnTypes.BARRIER) {   // sync's barrier entries are not proposals of the test
                    applied.add(new long[] {t.sessionId(), t.cxid()});
                    lastTxnIndex = logIndex;
                }
            }
            if (lastTxnIndex == logIndex) {
                enforceQuota.add(b.enforceQuota());
            }
            entries++;
            lastIndex = logIndex;
            byte[] answer = admitted.stream().anyMatch(t -> t.cxid() == ANSWERED_CXID) ? answer(name, logIndex)
                    : NO_ANSWER;
            return new Applied(answer, verdicts);
        }

        @Override
        public long lastAppliedIndex() {
            return lastIndex;
        }

        /** A copy taken on the apply thread, so later applies do not leak into it. */
        @Override
        public CapturedSnapshot captureSnapshot() {
            long index = lastIndex;
            List<long[]> copy;
            synchronized (applied) {
                copy = new ArrayList<>(applied);
            }
            StreamTable table = streams.copy();
            return out -> write(out, index, copy, table);
        }

        static void write(OutputStream out, long index, List<long[]> applied, StreamTable streams)
                throws IOException {
            DataOutputStream d = new DataOutputStream(out);
            d.writeLong(index);
            d.writeInt(applied.size());
            for (long[] a : applied) {
                d.writeLong(a[0]);
                d.writeLong(a[1]);
            }
            streams.writeTo(d);
            d.flush();
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            DataInputStream d = new DataInputStream(in);
            lastIndex = d.readLong();
            lastTxnIndex = lastIndex;
            int n = d.readInt();
            applied.clear();
            for (int i = 0; i < n; i++) {
                applied.add(new long[] {d.readLong(), d.readLong()});
            }
            streams = StreamTable.readFrom(d);
        }

        @Override
        public void leadershipChanged(boolean leader) {
        }

        @Override
        public void sessionsActiveElsewhere(long[] sessionIds) {
            activeElsewhere.add(sessionIds.clone());
        }
    }

    private ReplicationSettings settings(int peerPort, long snapshotThreshold) {
        return settings(peerPort, snapshotThreshold, false);
    }

    private ReplicationSettings settings(int peerPort, long snapshotThreshold, boolean enforceQuota) {
        return new ReplicationSettings(1, List.of(new ReplicationSettings.Member(1, "127.0.0.1", 2181, peerPort)), false,
                "127.0.0.1", "test", dir.resolve("raft"), Duration.ofMillis(300), Duration.ofMillis(600),
                Duration.ofSeconds(10), 100, 1024 * 1024, 2, snapshotThreshold, 2, 100, 32L << 20, enforceQuota,
                0);
    }

    private static Txn txn(long session, int cxid, int bodyBytes) {
        return new Txn(session, cxid, 5, new byte[bodyBytes], List.of(), 1, cxid);
    }

    private static RatisTxnLog started(ReplicationSettings s, StateMachineApplier a) throws Exception {
        RatisTxnLog log = new RatisTxnLog(s, Clock.systemUTC());
        assertThat(log.isServing()).as("not started: cannot serve").isFalse();
        log.start(a);
        assertThat(log.awaitLeader(Duration.ofSeconds(20))).as("a single member elects itself").isTrue();
        assertThat(log.isServing()).as("the single member leads and serves").isTrue();
        return log;
    }

    @Test
    void sessionActivityReportsReachTheLeadersApplierWithoutBeingLogged() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        try (RatisTxnLog log = started(settings(freePort(), 1000), applier)) {
            long before = applier.lastIndex;
            log.reportSessionActivity(new long[] {7, 0x0100_0000_0000_0002L}).get(20, TimeUnit.SECONDS);
            assertThat(applier.activeElsewhere).containsExactly(new long[] {7, 0x0100_0000_0000_0002L});
            assertThat(applier.applied).as("a report is not a log entry").isEmpty();
            assertThat(applier.lastIndex).isEqualTo(before);
        }
    }

    @Test
    void batchesConcurrentProposalsKeepingEachSessionsOrderAndSurvivesRestart() throws Exception {
        int port = freePort();
        RecordingApplier applier = new RecordingApplier();
        int sessions = 4;
        int perSession = 500;
        try (RatisTxnLog log = started(settings(port, 50), applier)) {
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Void>> all = Collections.synchronizedList(new ArrayList<>());
            for (int s = 1; s <= sessions; s++) {
                long session = s;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perSession; i++) {
                        all.add(log.propose(txn(session, i, 100)));
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(applier.applied).hasSize(sessions * perSession);
            assertFifoPerSession(applier.applied, sessions);
            assertThat(log.entriesSubmitted()).as("transactions were batched")
                    .isLessThan(log.txnsSubmitted());
            log.sync().get(10, TimeUnit.SECONDS);
        }

        RecordingApplier recovered = new RecordingApplier();
        try (RatisTxnLog log = started(settings(port, 50), recovered)) {
            log.sync().get(10, TimeUnit.SECONDS);
            assertThat(recovered.applied).as("every acknowledged transaction is back after restart")
                    .hasSize(sessions * perSession);
            assertFifoPerSession(recovered.applied, sessions);
        }
    }

    /**
     * An entry's slot in flight is free once its apply begins: with two slots, and apply held inside the first
     * entry, a second entry (committed, its apply waiting) holds one slot and a third goes out in the other.
     */
    @Test
    void anEntryLeavesItsSlotInFlightWhenItsApplyBegins() throws Exception {
        RecordingApplier applier = new RecordingApplier();
        applier.gate = new CountDownLatch(1);
        try (RatisTxnLog log = started(settings(freePort(), 1000), applier)) {
            long before = log.entriesSubmitted();
            CompletableFuture<Void> gated;
            List<CompletableFuture<Void>> later = new ArrayList<>();
            try {
                gated = log.propose(txn(1, RecordingApplier.GATED_CXID, 10));
                await().atMost(Duration.ofSeconds(10)).until(() -> log.entriesSubmitted() == before + 1);
                later.add(log.propose(txn(1, 1, 10)));
                await().atMost(Duration.ofSeconds(10)).until(() -> log.entriesSubmitted() == before + 2);
                later.add(log.propose(txn(1, 2, 10)));
                await("the third entry goes out in the first one's slot").atMost(Duration.ofSeconds(10))
                        .until(() -> log.entriesSubmitted() == before + 3);
                later.add(log.propose(txn(1, 3, 10)));
                await("both slots taken: the fourth waits").during(Duration.ofMillis(200))
                        .atMost(Duration.ofSeconds(5)).until(() -> log.entriesSubmitted() == before + 3);
                assertThat(log.queuedTxns()).isEqualTo(1);
                assertThat(gated).isNotDone();
            } finally {
                applier.gate.countDown();   // before the log closes: Ratis waits for its apply thread
            }
            gated.get(20, TimeUnit.SECONDS);
            CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertThat(applier.applied).extracting(a -> a[1])
                    .containsExactly((long) RecordingApplier.GATED_CXID, 1L, 2L, 3L);
        }
    }

    private static void assertFifoPerSession(List<long[]> applied, int sessions) {
        long[] next = new long[sessions + 1];
        synchronized (applied) {
            for (long[] a : applied) {
                assertThat(a[1]).as("session %d applied in submission order", a[0]).isEqualTo(next[(int) a[0]]);
                next[(int) a[0]]++;
            }
        }
    }

    @Test
    void theLeaderStampsItsQuotaEnforcementIntoEveryEntry() throws Exception {
        int port = freePort();
        RecordingApplier enforcing = new RecordingApplier();
        try (RatisTxnLog log = started(settings(port, 1000, true), enforcing)) {
            log.propose(txn(1, 0, 10)).get(20, TimeUnit.SECONDS);
            log.propose(txn(1, 1, 10)).get(20, TimeUnit.SECONDS);
        }
        assertThat(enforcing.enforceQuota).isNotEmpty().containsOnly(true);

        RecordingApplier lenient = new RecordingApplier();
        try (RatisTxnLog log = started(settings(port, 1000, false), lenient)) {
            log.propose(txn(1, 2, 10)).get(20, TimeUnit.SECONDS);
        }
        // entries replayed from the log (if the restart did not start from a snapshot) keep the stamp they got
        List<Boolean> flags = lenient.enforceQuota;
        assertThat(flags).isNotEmpty().endsWith(false);
        assertThat(flags.subList(0, flags.size() - 1)).allMatch(Boolean::booleanValue);
    }

    @Test
    void rejectsATransactionLargerThanAnEntry() throws Exception {
        try (RatisTxnLog log = started(settings(freePort(), 1000), new RecordingApplier())) {
            assertThatThrownBy(() -> log.propose(txn(1, 0, 2 * 1024 * 1024)).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalArgumentException.class);
        }
    }
}
