package io.canopy.node.replication;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes captured snapshots into Ratis's snapshot directory on one background thread, so that the apply thread
 * pays only for the capture (a 200 MB tree takes seconds to write, during which no write could be applied).
 * A snapshot becomes durable in this order: temporary file, fsync, atomic rename, directory fsync, the .md5
 * file Ratis looks for, then Ratis's storage learns of it. Only then is its index reported
 * ({@link #takeNewlyDurable}), because Ratis purges its log up to the index it is given: reporting earlier
 * would let a crash lose both the snapshot and the entries it replaces. A failed or abandoned write leaves at
 * most a temporary file, which no reader looks at; the previous snapshot stays in charge.
 *
 * <p>Threads: the apply thread starts writes and reads the indexes; one daemon thread writes.
 */
final class SnapshotWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final String TMP_SUFFIX = ".tmp";
    /** After a failure (disk full ...), do not retry on every apply: each attempt would log the same error. */
    private static final long RETRY_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final SimpleStateMachineStorage storage;
    private final SnapshotRetentionPolicy retention;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canopy-snapshot-writer");
        t.setDaemon(true);
        return t;
    });
    private volatile long durableIndex = -1;
    private volatile long retryNotBeforeNanos = System.nanoTime();
    // Apply thread (and close, after apply stopped) only.
    private Future<?> running = CompletableFuture.completedFuture(null);
    private long reportedIndex = -1;

    SnapshotWriter(SimpleStateMachineStorage storage, int retainedSnapshots) {
        this.storage = storage;
        this.retention = new SnapshotRetentionPolicy() {
            @Override
            public int getNumSnapshotsRetained() {
                return retainedSnapshots;
            }
        };
    }

    /** A snapshot at {@code index} was loaded (start-up or installed from the leader): durable and known. */
    void recovered(long index) {
        durableIndex = Math.max(durableIndex, index);
        reportedIndex = Math.max(reportedIndex, index);
    }

    /** The index of the latest snapshot that is completely durable, -1 if none. */
    long durableIndex() {
        return durableIndex;
    }

    /** Whether a new write may start now: none is running and no failure is being backed off from. */
    boolean mayStart() {
        return running.isDone() && System.nanoTime() - retryNotBeforeNanos >= 0;
    }

    /** The index of the latest snapshot Ratis was told of ({@link #takeNewlyDurable}) or loaded, -1 if none. */
    long reportedIndex() {
        return reportedIndex;
    }

    /** Whether a snapshot became durable that Ratis has not been told of yet. */
    boolean hasNewlyDurable() {
        return durableIndex > reportedIndex;
    }

    /**
     * The index of a snapshot that became durable since the last call, or -1: Ratis logs and purges on every
     * non-negative answer, so an index is handed over once.
     */
    long takeNewlyDurable() {
        long durable = durableIndex;
        if (durable > reportedIndex) {
            reportedIndex = durable;
            return durable;
        }
        return -1;
    }

    /** Writes on the snapshot thread; the caller checked {@link #mayStart()}. */
    void writeInBackground(TermIndex at, CapturedSnapshot image, long captureNanos) {
        running = thread.submit(() -> {
            try {
                write(at, image, captureNanos);
            } catch (IOException | RuntimeException e) {
                retryNotBeforeNanos = System.nanoTime() + RETRY_AFTER_FAILURE_NANOS;
                log.error("Snapshot at index {} failed, the one at index {} stays in charge: {}", at.getIndex(),
                        durableIndex, e.toString(), e);
            }
        });
    }

    /** Waits for a running background write (its failure, if any, is already logged). */
    void awaitIdle() throws IOException {
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the snapshot being written", e);
        } catch (ExecutionException e) {
            log.debug("background snapshot failed", e.getCause());
        }
    }

    /** Writes on the calling thread (shutdown), after any background write. */
    void writeNow(TermIndex at, CapturedSnapshot image, long captureNanos) throws IOException {
        awaitIdle();
        write(at, image, captureNanos);
    }

    private void write(TermIndex at, CapturedSnapshot image, long captureNanos) throws IOException {
        long started = System.nanoTime();
        File target = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + TMP_SUFFIX);
        MessageDigest md5 = MD5FileUtil.newMD5();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = new BufferedOutputStream(
                    new DigestOutputStream(Channels.newOutputStream(ch), md5), 1 << 16);
            image.writeTo(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(target.getParentFile().toPath());
        // The .md5 file is what Ratis checks a snapshot against (computed while writing: no second read).
        MD5Hash digest = MD5Hash.newInstance(md5.digest());
        MD5FileUtil.saveMD5File(target, digest);
        syncDirectory(target.getParentFile().toPath());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), digest), at));
        durableIndex = Math.max(durableIndex, at.getIndex());
        storage.cleanupOldSnapshots(retention);
        log.info("Took snapshot {} ({} bytes): capture {} ms, write {} ms", target.getName(), target.length(),
                captureNanos / 1_000_000, (System.nanoTime() - started) / 1_000_000);
    }

    /** Makes a rename durable: without it a power loss can undo the rename after Ratis purged its log. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {} on this platform: {}", dir, e.toString());
        }
    }

    /** Removes temporary files of writes that a crash interrupted; call before any write starts. */
    static void deleteStaleTemporaryFiles(Path snapshotDir) throws IOException {
        if (snapshotDir == null || !Files.isDirectory(snapshotDir)) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(snapshotDir, "snapshot.*" + TMP_SUFFIX)) {
            for (Path p : stale) {
                log.info("Deleting {}, left by an interrupted snapshot", p.getFileName());
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
