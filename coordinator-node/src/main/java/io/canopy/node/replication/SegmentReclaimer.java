package io.canopy.node.replication;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees the disk space of purged Raft log segments on a thread of its own instead of Ratis's log worker.
 *
 * <p>Ratis 3.3.0 deletes the segments it purges (those behind a durable snapshot and the retained entries) on its
 * log worker, the one thread that writes and fsyncs every entry, so no write is acknowledged while the files go.
 * Removing a name is cheap; freeing a file's blocks is not: about 8 ms per 32 MB segment on this project's
 * machines (ext4 mounted with {@code discard}), and the purge after a burst of large writes deletes dozens of
 * segments at once. Measured in the benchmark: 24 segments purged in 197 ms after a snapshot, and every session
 * of the churn workload waited that long (its p99.9 190 ms against ZooKeeper's 44 ms, in every round).
 *
 * <p>So every closed segment gets a second hard link in {@code purged-log/}, beside Ratis's {@code current/},
 * before Ratis may purge it: when a snapshot becomes durable (before Ratis hears of it, see
 * {@link CanopyStateMachine#takeSnapshot()}) and once a second. Ratis's delete then only removes a name, and this
 * class removes the last link, which frees the blocks, once the segment has left {@code current/}. Closed
 * segments never change under their name except by truncation in place, which a link shares, so a link never
 * holds stale content; one whose name now belongs to another file is dropped. If the file system refuses hard
 * links, linking stops (with a warning) and Ratis deletes as before. Leftovers of a crash are removed at start.
 */
final class SegmentReclaimer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentReclaimer.class);
    /** Ratis's name of a closed segment: {@code log_<first index>-<last index>}. */
    private static final Pattern CLOSED_SEGMENT = Pattern.compile("log_\\d+-\\d+");
    static final String DIRECTORY = "purged-log";

    private final Path logDir;
    private final Path links;
    private final ScheduledExecutorService thread;
    private boolean linking = true;
    private long reclaimedSegments;
    private long reclaimedBytes;
    /** Names of the latest reclaimed segments, for diagnostics and tests. */
    private final ArrayDeque<String> recentlyReclaimed = new ArrayDeque<>();
    private static final int RECENT = 256;

    /**
     * @param logDir Ratis's {@code current/} directory of the group
     * @param period how often closed segments are linked and purged ones reclaimed
     */
    SegmentReclaimer(Path logDir, Duration period) throws IOException {
        this.logDir = logDir;
        this.links = logDir.resolveSibling(DIRECTORY);
        Files.createDirectories(links);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-segment-reclaimer");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::run, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            linkClosedSegments();
            reclaimPurged();
        } catch (IOException | RuntimeException e) {
            log.warn("Reclaiming purged log segments failed (retried in a moment): {}", e.toString());
        }
    }

    /** Gives every closed segment of {@code current/} its second link (if it has none yet). */
    synchronized void linkClosedSegments() throws IOException {
        if (!linking) {
            return;
        }
        Map<String, Object> linked = fileKeys(links);
        for (Map.Entry<String, Object> segment : fileKeys(logDir).entrySet()) {
            Object key = linked.get(segment.getKey());
            if (key != null && key.equals(segment.getValue())) {
                continue;
            }
            Path link = links.resolve(segment.getKey());
            try {
                Files.deleteIfExists(link);   // a link under this name to a file that is gone from current/
                Files.createLink(link, logDir.resolve(segment.getKey()));
            } catch (NoSuchFileException e) {
                // purged between the listing and the link: Ratis deleted it itself
            } catch (UnsupportedOperationException | IOException e) {
                linking = false;
                log.warn("Cannot hard-link Raft log segments in {} ({}): purged segments are deleted by Ratis's log"
                        + " worker, which holds writes back while it frees their space", links, e.toString());
                return;
            }
        }
    }

    /** Removes the links of segments that left {@code current/}, which frees their blocks. */
    synchronized void reclaimPurged() throws IOException {
        Map<String, Object> live = fileKeys(logDir);
        for (Map.Entry<String, Object> link : fileKeys(links).entrySet()) {
            if (Objects.equals(live.get(link.getKey()), link.getValue())) {
                continue;
            }
            Path file = links.resolve(link.getKey());
            long size = Files.size(file);
            long started = System.nanoTime();
            if (Files.deleteIfExists(file)) {
                reclaimedSegments++;
                reclaimedBytes += size;
                if (recentlyReclaimed.size() == RECENT) {
                    recentlyReclaimed.removeFirst();
                }
                recentlyReclaimed.addLast(link.getKey());
                log.debug("Reclaimed purged log segment {} ({} bytes) in {} µs", link.getKey(), size,
                        (System.nanoTime() - started) / 1000);
            }
        }
    }

    /** Closed segments in {@code dir} by name, with their file keys (the inode on Linux). */
    private static Map<String, Object> fileKeys(Path dir) throws IOException {
        Map<String, Object> keys = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!CLOSED_SEGMENT.matcher(name).matches()) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    keys.put(name, attributes.fileKey() != null ? attributes.fileKey() : name);
                } catch (NoSuchFileException e) {
                    // deleted while listed
                }
            }
        }
        return keys;
    }

    synchronized long reclaimedSegments() {
        return reclaimedSegments;
    }

    synchronized List<String> recentlyReclaimed() {
        return List.copyOf(recentlyReclaimed);
    }

    synchronized long reclaimedBytes() {
        return reclaimedBytes;
    }

    synchronized boolean linking() {
        return linking;
    }

    /** Stops the thread, then reclaims what Ratis purged so far (a stopped node holds no purged space). */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
            reclaimPurged();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("Reclaiming purged log segments on close failed (done at the next start): {}", e.toString());
        }
    }
}
