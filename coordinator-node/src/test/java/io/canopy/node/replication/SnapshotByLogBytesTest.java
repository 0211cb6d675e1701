package io.canopy.node.replication;

import static io.canopy.testcluster.process.LoopbackPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.core.txn.Txn;
import io.canopy.testcluster.Timing;

/**
 * The snapshot trigger by log bytes (ZooKeeper's snapSizeLimitInKb) on a real single-node Ratis log: large values
 * with a small byte threshold and an entry threshold never reached still give snapshots, Ratis hears of them (it
 * purges its log behind them), and the entry-count trigger works as before with the byte trigger on.
 */
class SnapshotByLogBytesTest {
    private static final long NEVER_BY_ENTRIES = 1_000_000;

    @TempDir
    Path dir;

    /** 64 KB log segments and 10 entries of log retention, so that a purge shows as deleted segment files. */
    private static ReplicationSettings settings(Path raftDir, long entryThreshold, long logBytesThreshold)
            throws IOException {
        return new ReplicationSettings(1, List.of(new ReplicationSettings.Member(1, "127.0.0.1", 2181, freePort())),
                false, "127.0.0.1", "test", raftDir, Duration.ofMillis(300), Duration.ofMillis(600),
                Duration.ofSeconds(10), 100, 1024 * 1024, 2, entryThreshold, 2, 10, 64 * 1024, false,
                logBytesThreshold);
    }

    private static RatisTxnLog started(ReplicationSettings s, StateMachineApplier a) throws Exception {
        RatisTxnLog log = new RatisTxnLog(s, Clock.systemUTC(), BackgroundSnapshotTest.EVERY_THRESHOLD);
        log.start(a);
        assertThat(log.awaitLeader(Timing.seconds(20))).as("a single member elects itself").isTrue();
        return log;
    }

    /** Proposes {@code count} txns of {@code valueBytes} each, one entry each (waiting for each one). */
    private static void write(RatisTxnLog log, int firstCxid, int count, int valueBytes) throws Exception {
        for (int i = firstCxid; i < firstCxid + count; i++) {
            log.propose(new Txn(1, i, 5, new byte[valueBytes], List.of(), 1, i))
                    .get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static List<Path> find(Path root, String regex) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().matches(regex)).toList();
        }
    }

    /** Ratis's own log segments (not the reclaimer's second links to them). */
    private static List<Path> segments(Path raftDir, String regex) throws IOException {
        return inGroupDirectory(raftDir, "current", regex);
    }

    /** The reclaimer's second links. */
    private static List<Path> links(Path raftDir, String regex) throws IOException {
        return inGroupDirectory(raftDir, SegmentReclaimer.DIRECTORY, regex);
    }

    /** Files of {@code raft/<group>/<name>/} matching {@code regex}, listed without reading their attributes. */
    private static List<Path> inGroupDirectory(Path raftDir, String name, String regex) throws IOException {
        List<Path> dirs;
        try (Stream<Path> all = Files.walk(raftDir, 2)) {
            dirs = all.filter(p -> p.getFileName().toString().equals(name) && Files.isDirectory(p)).toList();
        }
        List<Path> files = new java.util.ArrayList<>();
        for (Path d : dirs) {
            try (Stream<Path> listed = Files.list(d)) {
                listed.filter(p -> p.getFileName().toString().matches(regex)).forEach(files::add);
            }
        }
        return files;
    }

    /** The first log index of a segment file name ({@code log_12-20} or {@code log_inprogress_21}). */
    private static long firstIndex(String name) {
        String rest = name.substring(name.lastIndexOf('_') + 1);
        int dash = rest.indexOf('-');
        return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).toList();
    }

    private static List<Path> completeSnapshots(Path raftDir) throws IOException {
        return find(raftDir, "snapshot\\.\\d+_\\d+").stream()
                .filter(p -> Files.exists(p.resolveSibling(p.getFileName() + ".md5"))).toList();
    }

    @Test
    void largeValuesTriggerSnapshotsByBytesAndRatisPurgesItsLogBehindThem() throws Exception {
        Path raft = dir.resolve("raft");
        BackgroundSnapshotTest.GatedApplier applier = new BackgroundSnapshotTest.GatedApplier(Integer.MAX_VALUE, false);
        // Ratis purges only once the index it may purge to is 1024 (its purge gap) past the last purge: 1,600
        // entries of 2 KB (3.3 MB of log) with a 1 MB threshold give snapshots near indexes 500, 1,000 and 1,500,
        // and the third lets Ratis purge.
        try (RatisTxnLog log = started(settings(raft, NEVER_BY_ENTRIES, 1024 * 1024), applier)) {
            write(log, 0, 100, 2048);
            assertThat(completeSnapshots(raft)).as("200 KB: below the threshold").isEmpty();
            assertThat(segments(raft, "log_0-\\d+")).as("the first closed segment").hasSize(1);

            write(log, 100, 1500, 2048);
            await().atMost(Timing.seconds(10)).until(() -> applier.captures.get() >= 3
                    && !completeSnapshots(raft).isEmpty());
            assertThat(applier.captures.get()).as("one snapshot per MB written, not one per entry")
                    .isBetween(3, 4);
            // Ratis was told of the snapshots taken for bytes (its own trigger, by entries, never fired): it
            // purged the closed segments behind them.
            write(log, 1600, 5, 2048);
            await().atMost(Timing.seconds(10)).until(() -> segments(raft, "log_0-\\d+").isEmpty());
            // Ratis's delete of a segment frees its space only if it had no second link, and the reclaimer only
            // sees linked ones: that it freed a contiguous run of segments from index 0 up to the first one Ratis
            // still has means that every purged segment was linked. What stays linked is what Ratis still has.
            SegmentReclaimer reclaimer = log.stateMachine().reclaimer();
            await().atMost(Timing.seconds(10)).untilAsserted(() -> {
                long firstKept = segments(raft, "log_(inprogress_)?\\d+(-\\d+)?").stream()
                        .mapToLong(p -> firstIndex(p.getFileName().toString())).min().orElseThrow();
                long next = 0;
                for (String name : reclaimer.recentlyReclaimed().stream()
                        .sorted(java.util.Comparator.comparingLong(SnapshotByLogBytesTest::firstIndex)).toList()) {
                    assertThat(firstIndex(name)).as("reclaimed segments follow each other: %s", name).isEqualTo(next);
                    next = Long.parseLong(name.substring(name.indexOf('-') + 1)) + 1;
                }
                assertThat(next).as("reclaimed up to the first segment kept").isEqualTo(firstKept).isPositive();
                assertThat(names(links(raft, "log_\\d+-\\d+"))).as("links: exactly Ratis's closed segments")
                        .containsExactlyInAnyOrderElementsOf(names(segments(raft, "log_\\d+-\\d+")));
            });
            assertThat(reclaimer.reclaimedBytes()).as("64 KB segments")
                    .isGreaterThanOrEqualTo(reclaimer.reclaimedSegments() * 60_000L);
            assertThat(reclaimer.linking()).isTrue();
        }
        BackgroundSnapshotTest.GatedApplier recovered =
                new BackgroundSnapshotTest.GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(raft, NEVER_BY_ENTRIES, 1024 * 1024), recovered)) {
            log.sync().get(10, TimeUnit.SECONDS);
            assertThat(recovered.recording.applied).as("everything is back after the restart").hasSize(1605);
        }
    }

    @Test
    void theEntryCountStillTriggersWhenItComesFirst() throws Exception {
        Path raft = dir.resolve("raft");
        BackgroundSnapshotTest.GatedApplier applier = new BackgroundSnapshotTest.GatedApplier(Integer.MAX_VALUE, false);
        try (RatisTxnLog log = started(settings(raft, 20, 1L << 30), applier)) {
            write(log, 0, 25, 64);
            // 25 writes make 25 to 50 log indexes (Ratis adds a commit-index record after most commits): the entry
            // trigger fires every 20 indexes; 1.6 KB of log never reaches the byte threshold.
            await().atMost(Timing.seconds(10)).until(() -> !completeSnapshots(raft).isEmpty());
            assertThat(applier.captures.get()).isBetween(1, 3);
        }
    }
}
