package io.canopy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

import io.canopy.bench.Measurement.Result;

/** Prints results as a table and appends them to a CSV file that {@link CompareReport} reads. */
final class ResultSink {

    static final String CSV_HEADER = "timestamp,label,workload,unit,sessions,outstanding,value_bytes,duration_s,"
            + "ops,per_sec,p50_ms,p99_ms,p999_ms,max_ms,errors,status";
    private static final String ROW = "%-10s %-8s %10d %12.1f %9.3f %9.3f %9.3f %9.3f %7d  %s%n";

    private final BenchOptions options;

    ResultSink(BenchOptions options) {
        this.options = options;
    }

    void printTable(PrintStream out, List<Result> results) {
        out.printf("%n%s @ %s: sessions=%d outstanding=%d value=%dB duration=%ds%n", options.label(),
                options.connect(), options.sessions(), options.outstanding(), options.valueBytes(),
                options.duration().toSeconds());
        out.printf("%-10s %-8s %10s %12s %9s %9s %9s %9s %7s  %s%n", "workload", "unit", "count", "per_sec",
                "p50_ms", "p99_ms", "p99.9_ms", "max_ms", "errors", "status");
        for (Result r : results) {
            out.printf(Locale.ROOT, ROW, r.workload().cliName, r.workload().unit, r.ops(), r.perSecond(),
                    r.p50Ms(), r.p99Ms(), r.p999Ms(), r.maxMs(), r.errors(), r.status());
        }
    }

    /** Appends one row, writing the header first if the file is new. */
    void appendCsv(Result r) throws IOException {
        Path out = options.out();
        if (out == null) {
            return;
        }
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        StringBuilder text = new StringBuilder();
        if (!Files.exists(out) || Files.size(out) == 0) {
            text.append(CSV_HEADER).append('\n');
        }
        text.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%d,%.3f,%d,%.1f,%.3f,%.3f,%.3f,%.3f,%d,%s%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), options.label(), r.workload().cliName,
                r.workload().unit, r.workload() == BenchOptions.Workload.WATCH ? options.watchers()
                        : r.workload() == BenchOptions.Workload.CHURN ? options.churnConcurrency() : options.sessions(),
                options.outstanding(), options.valueBytes(), options.duration().toMillis() / 1000.0, r.ops(),
                r.perSecond(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.maxMs(), r.errors(), sanitize(r.status())));
        Files.writeString(out, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Keeps the CSV one-field-per-comma and one-row-per-line whatever an error message contains. */
    static String sanitize(String status) {
        String flat = status == null ? "" : status.replaceAll("[,\"\\s]+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) : flat;
    }
}
