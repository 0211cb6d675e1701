package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The log file of a node process: stdout and stderr of every start of the node, appended, each start preceded by
 * a marker line written by the harness. Files live in system property {@code canopy.it.logs} (default
 * {@code target/it-logs}) and are named {@code <label>-node<id>.log}, so clusters with different labels (one per
 * test class) never write to the same file.
 */
public final class NodeLog {
    /** What every harness line in a log starts with, to find the starts with grep. */
    public static final String MARKER = "=== canopy-test-harness ===";

    private NodeLog() {
    }

    /** The log file of node {@code nodeId} of the cluster (or standalone node) called {@code label}. */
    public static Path pathFor(String label, int nodeId) {
        Path directory = Path.of(System.getProperty("canopy.it.logs", "target/it-logs"));
        return directory.resolve(fileSafe(label) + "-node" + nodeId + ".log").toAbsolutePath();
    }

    /** {@code label} with every character other than letters, digits, '.', '_' and '-' replaced by '_'. */
    static String fileSafe(String label) {
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("a label is required to name log files");
        }
        return label.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Appends {@code MARKER time text} as one line, creating the file and its folder if needed. */
    static void appendMarker(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, MARKER + " " + Instant.now() + " " + text + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + file, e);
        }
    }

    /** The last {@code maxLines} lines of the file (from its last 16 KiB), or a note saying why there are none. */
    static String tail(Path file, int maxLines) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, 16 * 1024);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            List<String> lines = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            if (size < length && !lines.isEmpty()) {
                lines = lines.subList(1, lines.size());   // the first line is cut
            }
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
