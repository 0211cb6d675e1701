package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.testcluster.Timing;

/**
 * The reclaimer alone, on a directory laid out like Ratis's ({@code current/} with closed and open segments), with
 * Ratis's actions played by the test: a purge deletes a segment's name, a truncation renames it in place.
 */
class SegmentReclaimerTest {
    /** Long enough that only the run at start and the test's own calls happen. */
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path group;
    Path current;
    Path links;

    @BeforeEach
    void layOut() throws IOException {
        current = Files.createDirectories(group.resolve("current"));
        links = group.resolve(SegmentReclaimer.DIRECTORY);
    }

    private Path segment(String name, int bytes) throws IOException {
        return Files.write(current.resolve(name), new byte[bytes]);
    }

    private List<String> linked() throws IOException {
        try (Stream<Path> files = Files.list(links)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void closedSegmentsGetASecondLinkAndOpenOnesAndOtherFilesDoNot() throws IOException {
        segment("log_0-9", 100);
        segment("log_10-19", 100);
        segment("log_inprogress_20", 100);
        Files.writeString(current.resolve("raft-meta"), "term");
        try (SegmentReclaimer reclaimer = new SegmentReclaimer(current, NEVER)) {
            reclaimer.linkClosedSegments();

            assertThat(linked()).containsExactly("log_0-9", "log_10-19");
            assertThat(Files.isSameFile(links.resolve("log_0-9"), current.resolve("log_0-9"))).isTrue();
        }
    }

    @Test
    void aPurgedSegmentKeepsItsBlocksUntilReclaimedThenOnlyItIsFreed() throws IOException {
        segment("log_0-9", 1000);
        segment("log_10-19", 2000);
        try (SegmentReclaimer reclaimer = new SegmentReclaimer(current, NEVER)) {
            reclaimer.linkClosedSegments();
            Files.delete(current.resolve("log_0-9"));   // Ratis's purge: only a name goes

            assertThat(Files.size(links.resolve("log_0-9"))).as("the data is still held by the link").isEqualTo(1000);
            reclaimer.reclaimPurged();

            assertThat(linked()).containsExactly("log_10-19");
            assertThat(reclaimer.reclaimedSegments()).isEqualTo(1);
            assertThat(reclaimer.reclaimedBytes()).isEqualTo(1000);
            assertThat(reclaimer.recentlyReclaimed()).containsExactly("log_0-9");
            assertThat(Files.size(current.resolve("log_10-19"))).isEqualTo(2000);
        }
    }

    @Test
    void aSegmentTruncatedAndRenamedInPlaceKeepsItsContentAndIsLinkedUnderItsNewName() throws IOException {
        segment("log_0-9", 1000);
        try (SegmentReclaimer reclaimer = new SegmentReclaimer(current, NEVER)) {
            reclaimer.linkClosedSegments();
            Files.move(current.resolve("log_0-9"), current.resolve("log_0-5"));   // Ratis truncates in place

            reclaimer.reclaimPurged();
            reclaimer.linkClosedSegments();

            assertThat(linked()).containsExactly("log_0-5");
            assertThat(Files.size(current.resolve("log_0-5"))).isEqualTo(1000);
            assertThat(reclaimer.reclaimedBytes()).as("the old link only dropped a name").isEqualTo(1000);
        }
    }

    @Test
    void aLinkWhoseNameNowBelongsToAnotherFileIsReplaced() throws IOException {
        segment("log_0-9", 1000);
        try (SegmentReclaimer reclaimer = new SegmentReclaimer(current, NEVER)) {
            reclaimer.linkClosedSegments();
            Files.delete(current.resolve("log_0-9"));
            segment("log_0-9", 300);   // a different file under the same name

            reclaimer.linkClosedSegments();

            assertThat(Files.isSameFile(links.resolve("log_0-9"), current.resolve("log_0-9"))).isTrue();
            assertThat(Files.size(links.resolve("log_0-9"))).isEqualTo(300);
        }
    }

    @Test
    void leftoversOfAStopOrCrashAreReclaimedAtStart() throws IOException {
        segment("log_10-19", 100);
        Files.createDirectories(links);
        Files.write(links.resolve("log_0-9"), new byte[500]);   // its segment was purged while the node was down
        try (SegmentReclaimer reclaimer = new SegmentReclaimer(current, NEVER)) {
            await().atMost(Timing.seconds(10)).untilAsserted(() -> {
                assertThat(linked()).containsExactly("log_10-19");
                assertThat(reclaimer.reclaimedBytes()).isEqualTo(500);
            });
        }
    }
}
