package io.canopy.node.replication;

import static io.canopy.testcluster.process.LoopbackPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.core.txn.Txn;
import io.canopy.testcluster.Timing;

/**
 * Snapshots are written on a background thread: applies go on meanwhile, Ratis only hears of a snapshot once it
 * is durable, and a write that never finishes (a crash) or fails leaves the previous snapshot and the log in
 * charge.
 */
class BackgroundSnapshotTest {
    private static final long THRESHOLD = 20;

    /**
     * Draws that always give the threshold itself ({@link SnapshotSchedule} then snapshots exactly every threshold
     * entries), for tests of what happens around a snapshot rather than of when it comes.
     */
    static final RandomGenerator EVERY_THRESHOLD = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("only bounded draws");
        }

        @Override
        public long nextLong(long origin, long bound) {
            return bound - 1;
        }
    };

    @TempDir
    Path dir;

    /** A recording applier whose snapshots, from the {@code gatedFrom}-th capture on, can be held or failed. */
    static final class GatedApplier implements StateMachineApplier {
        final RatisTxnLogTest.RecordingApplier recording = new RatisTxnLogTest.RecordingApplier();
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch writeHeld = new CountDownLatch(1);
        final AtomicInteger captures = new AtomicInteger();
        /** The applied index at each capture. */
        final List<Long> capturedAt = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        final int gatedFrom;
        final boolean fail;
        volatile boolean writing;
        volatile long restoredIndex = -1;

        GatedApplier(int gatedFrom, boolean fail) {
            this.gatedFrom = gatedFrom;
            this.fail = fail;
        }

        @Override
        public Applied apply(long logIndex, byte[] entry) {
            return recording.apply(logIndex, entry);
        }

        @Override
        public long lastAppliedIndex() {
            return recording.lastAppliedIndex();
        }

        @Override
        public CapturedSnapshot captureSnapshot() {
            CapturedSnapshot real = recording.captureSnapshot();
            capturedAt.add(recording.lastAppliedIndex());
            if (captures.incrementAndGet() < gatedFrom) {
                return real;
            }
            return out -> {
                writing = true;
                try {
                    real.writeTo(out);
                    out.flush(); // the bytes reach the temporary file, as a crash mid-write would leave them
                    if (fail && failures.getAndIncrement() == 0) {
                        throw new IOException("disk full (test)");
                    }
                    writeHeld.countDown();
                    awaitGate();
                } finally {
                    writing = false;
                }
            };
        }

        private void awaitGate() throws IOException {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            byte[] bytes = in.readAllBytes();
            restoredIndex = new DataInputStream(new ByteArrayInputStream(bytes)).readLong();
            recording.restoreSnapshot(new ByteArrayInputStream(bytes));
        }

        @Override
        public void leadershipChanged(boolean leader) {
        }

        @Override
        public void sessionsActiveElsewhere(long[] sessionIds) {
        }
    }

    private static ReplicationSettings settings(int peerPort, Path raftDir) {
        return new ReplicationSettings(1, List.of(new ReplicationSettings.Member(1, "127.0.0.1", 2181, peerPort)), false,
                "127.0.0.1", "test", raftDir, Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(10),
                100, 1024 * 1024, 2, THRESHOLD, 2, 100, 32L << 20);
    }

    private static RatisTxnLog started(ReplicationSettings s, StateMachineApplier a) throws Exception {
        return started(s, a, EVERY_THRESHOLD);
    }

    private static RatisTxnLog started(ReplicationSettings s, StateMachineApplier a, RandomGenerator snapshotDraws)
            throws Exception {
        RatisTxnLog log = new RatisTxnLog(s, Clock.systemUTC(), snapshotDraws);
        log.start(a);
        assertThat(log.awaitLeader(Timing.seconds(20))).as("a single member elects itself").isTrue();
        return log;
    }

    /** Proposes {@code count} txns of session 1 from {@code firstCxid} on, one entry each, and waits for them. */
    private static void write(RatisTxnLog log, int firstCxid, int count) throws Exception {
        for (int i = firstCxid; i < firstCxid + count; i++) {
            log.propose(new Txn(1, i, 5, new byte[64], List.of(), 1, i))
                    .get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static Path smDir(Path raftDir) throws IOException {
        try (Stream<Path> all = Files.walk(raftDir)) {
            return all.filter(p -> p.getFileName().toString().equals("sm") && Files.isDirectory(p)).findFirst()
                    .orElseThrow();
        }
    }

    private static List<String> files(Path smDir) throws IOException {
        try (Stream<Path> all = Files.list(smDir)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The applier's own last applied index, the first long of the snapshot file of Ratis index {@code index}. */
    private static long appliedIndexInside(Path smDir, long index) throws IOException {
        for (String n : files(smDir)) {
            if (n.matches("snapshot\\.\\d+_" + index)) {
                try (DataInputStream in = new DataInputStream(Files.newInputStream(smDir.resolve(n)))) {
                    return in.readLong();
                }
            }
        }
        throw new IllegalStateException("no snapshot file of index " + index + " in " + smDir);
    }

    /** Indexes of complete snapshots: a data file with its .md5 beside it. */
    private static List<Long> completeSnapshots(Path smDir) throws IOException {
        List<String> names = files(smDir);
        List<Long> out = new ArrayList<>();
        for (String n : names) {
            if (n.matches("snapshot\\.\\d+_\\d+") && names.contains(n + ".md5")) {
                out.add(Long.parseLong(n.substring(n.indexOf('_') + 1)));
            }
        }
        return out;
    }

    private static void assertAllBack(RatisTxnLogTest.RecordingApplier a, int count) {
        synchronized (a.applied) {
            assertThat(a.applied).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(a.applied.get(i)[1]).as("txn %d in order", i).isEqualTo(i);
            }
        }
    }

    @Test
    void appliesContinueWhileASnapshotIsWrittenAndRatisHearsOfItOnlyWhenDurable() throws Exception {
        int port = freePort();
        Path raft = dir.resolve("raft");
        GatedApplier applier = new GatedApplier(1, false);
        try (RatisTxnLog log = started(settings(port, raft), applier)) {
            write(log, 0, (int) THRESHOLD + 5);
            assertThat(applier.writeHeld.await(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS))
                    .as("a snapshot write started and is held").isTrue();
            int appliedBefore = applier.recording.applied.size();
            long indexWhenHeld = applier.lastAppliedIndex();

            write(log, (int) THRESHOLD + 5, 200);

            assertThat(applier.writing).as("the snapshot is still being written").isTrue();
            assertThat(applier.recording.applied).as("entries were applied during the write")
                    .hasSize(appliedBefore + 200);
            assertThat(applier.captures).as("no second capture while one is being written").hasValue(1);
            Path sm = smDir(raft);
            assertThat(completeSnapshots(sm)).as("nothing is durable before the write finishes").isEmpty();
            assertThat(files(sm)).anyMatch(n -> n.endsWith(".tmp"));

            applier.gate.countDown();
            await().atMost(Timing.seconds(10)).until(() -> completeSnapshots(sm).size() == 1);
            assertThat(files(sm)).noneMatch(n -> n.endsWith(".tmp"));
            assertThat(completeSnapshots(sm).get(0)).as("the state captured before the writes that followed")
                    .isLessThanOrEqualTo(indexWhenHeld);
            write(log, (int) THRESHOLD + 205, 10);
        }
        GatedApplier recovered = new GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(port, raft), recovered)) {
            log.sync().get(10, TimeUnit.SECONDS);
            // Nothing of the test was replayed from the log (the sync's own barrier entry comes after it).
            assertThat(recovered.restoredIndex).as("the snapshot written on close holds everything")
                    .isEqualTo(recovered.recording.lastTxnIndex);
            assertAllBack(recovered.recording, (int) THRESHOLD + 215);
        }
    }

    @Test
    void aWriteCutShortByACrashLeavesThePreviousSnapshotAndTheLog() throws Exception {
        int port = freePort();
        Path raft = dir.resolve("raft");
        GatedApplier applier = new GatedApplier(2, false);
        Path crashed = dir.resolve("crashed");
        long previous;
        try (RatisTxnLog log = started(settings(port, raft), applier)) {
            Path sm = smDir(raft);
            write(log, 0, (int) THRESHOLD + 5);
            await().atMost(Timing.seconds(10)).until(() -> completeSnapshots(sm).size() == 1);
            previous = completeSnapshots(sm).get(0);
            write(log, (int) THRESHOLD + 5, (int) THRESHOLD + 5);
            assertThat(applier.writeHeld.await(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS))
                    .as("the second snapshot write started and is held").isTrue();
            write(log, 2 * (int) THRESHOLD + 10, 50);

            // kill -9 now: what is on disk is the previous snapshot, a partial temporary file and the log.
            copyTree(raft, crashed);
            applier.gate.countDown();
        }
        assertThat(completeSnapshots(smDir(crashed))).containsExactly(previous);
        assertThat(files(smDir(crashed))).anyMatch(n -> n.endsWith(".tmp"));
        // The file is named after Ratis's applied index, which also counts Ratis's own metadata entries; the
        // applier's state inside it may stop a few indexes earlier.
        long previousState = appliedIndexInside(smDir(crashed), previous);
        assertThat(previousState).isLessThanOrEqualTo(previous);

        GatedApplier recovered = new GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(port, crashed), recovered)) {
            log.sync().get(10, TimeUnit.SECONDS);
            assertThat(recovered.restoredIndex).as("restored from the previous complete snapshot")
                    .isEqualTo(previousState);
            assertAllBack(recovered.recording, 2 * (int) THRESHOLD + 60);
            assertThat(files(smDir(crashed))).as("the partial file is cleaned up").noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aFailedWriteKeepsThePreviousSnapshotInCharge() throws Exception {
        int port = freePort();
        Path raft = dir.resolve("raft");
        GatedApplier applier = new GatedApplier(2, true);
        applier.gate.countDown(); // never held: the second write fails, later ones succeed
        try (RatisTxnLog log = started(settings(port, raft), applier)) {
            Path sm = smDir(raft);
            write(log, 0, (int) THRESHOLD + 5);
            await().atMost(Timing.seconds(10)).until(() -> completeSnapshots(sm).size() == 1);
            long previous = completeSnapshots(sm).get(0);
            write(log, (int) THRESHOLD + 5, (int) THRESHOLD + 5);
            // The failure comes after bytes reached the temporary file; the writer then removes it.
            await().atMost(Timing.seconds(10)).until(() -> applier.failures.get() == 1
                    && files(sm).stream().noneMatch(n -> n.endsWith(".tmp")));

            assertThat(completeSnapshots(sm)).containsExactly(previous);
            write(log, 2 * (int) THRESHOLD + 10, 10);
        }
        GatedApplier recovered = new GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(port, raft), recovered)) {
            log.sync().get(10, TimeUnit.SECONDS);
            assertAllBack(recovered.recording, 2 * (int) THRESHOLD + 20);
        }
    }

    /**
     * Old snapshots are deleted by the snapshot writer once the new one is complete (data file and .md5), so the
     * configured number stays: Ratis's own clean-up, which ran beside the background write and found it half done
     * ("missing MD5 file", failed deletes), is off.
     */
    @Test
    void theConfiguredNumberOfCompleteSnapshotsIsKept() throws Exception {
        Path raft = dir.resolve("raft");
        GatedApplier applier = new GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(freePort(), raft), applier)) {
            Path sm = smDir(raft);
            for (int round = 0; round < 4; round++) {
                long newest = completeSnapshots(sm).stream().mapToLong(Long::longValue).max().orElse(0);
                write(log, round * ((int) THRESHOLD + 5), (int) THRESHOLD + 5);
                await("a snapshot after round " + round).atMost(Timing.seconds(10)).until(() ->
                        completeSnapshots(sm).stream().mapToLong(Long::longValue).max().orElse(0) > newest);
            }
            await().atMost(Timing.seconds(10)).untilAsserted(() -> {
                List<Long> complete = completeSnapshots(sm);
                assertThat(complete).hasSize(2);
                assertThat(files(sm)).as("only complete snapshots").allMatch(n -> n.endsWith(".md5")
                        || complete.contains(Long.parseLong(n.substring(n.indexOf('_') + 1))));
            });
        }
    }

    /**
     * A member snapshots after a count of entries drawn between half the threshold plus one and the threshold,
     * drawn again after every snapshot (ZooKeeper's snapCount rule), so that the members of a cluster, which apply
     * the same entries, do not all snapshot at once. With a fixed count every gap would be at least the threshold.
     */
    @Test
    void snapshotsComeAfterCountsDrawnBetweenHalfTheThresholdAndAll() throws Exception {
        GatedApplier applier = new GatedApplier(Integer.MAX_VALUE, false);
        List<Long> at;
        try (RatisTxnLog log = started(settings(freePort(), dir.resolve("raft")), applier, new SplittableRandom(7))) {
            write(log, 0, 10 * (int) THRESHOLD);
            await().atMost(Timing.seconds(10)).until(() -> applier.capturedAt.size() >= 6);
            at = List.copyOf(applier.capturedAt); // not the final snapshot that close takes
        }
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < at.size(); i++) {
            gaps.add(at.get(i) - at.get(i - 1));
        }
        assertThat(gaps).as("entries between captures at %s", at)
                .allMatch(gap -> gap >= THRESHOLD / 2 + 1)
                .anyMatch(gap -> gap < THRESHOLD);
        assertThat(new HashSet<>(gaps)).as("counts drawn again after each snapshot: %s", gaps).hasSizeGreaterThan(1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("in_use.lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }
}
