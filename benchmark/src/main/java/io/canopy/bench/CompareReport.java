package io.canopy.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the CSV of two labels (say {@code zookeeper} and {@code canopy}) into a markdown table with the ratio
 * candidate / baseline per workload and metric, ready to paste into a README. The last row of each
 * (label, workload) wins, so a CSV may accumulate runs.
 */
final class CompareReport {

    private static final String[][] METRICS = {
        {"per_sec", "throughput (%s/s)"}, {"p50_ms", "p50 latency (ms)"}, {"p99_ms", "p99 latency (ms)"},
        {"p999_ms", "p99.9 latency (ms)"},
    };

    private CompareReport() {
    }

    static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("report needs a CSV file");
        }
        Path csv = Path.of(args[0]);
        String baseline = "zookeeper";
        String candidate = "canopy";
        String baselineName = null;
        String candidateName = null;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--baseline" -> baseline = args[i + 1];
                case "--candidate" -> candidate = args[i + 1];
                case "--baseline-name" -> baselineName = args[i + 1];
                case "--candidate-name" -> candidateName = args[i + 1];
                default -> throw new IllegalArgumentException("unknown report option " + args[i]);
            }
        }
        System.out.print(render(Files.readAllLines(csv, StandardCharsets.UTF_8), baseline, candidate,
                baselineName == null ? baseline : baselineName, candidateName == null ? candidate : candidateName));
    }

    /**
     * Renders the table for CSV {@code lines}; {@code baseline}/{@code candidate} are the CSV labels, the names
     * are what the table's header calls them.
     */
    static String render(List<String> lines, String baseline, String candidate, String baselineName,
                         String candidateName) {
        if (lines.isEmpty()) {
            return "(no results)\n";
        }
        String[] header = lines.get(0).split(",", -1);
        Map<String, Map<String, String>> base = new HashMap<>();
        Map<String, Map<String, String>> cand = new HashMap<>();
        Map<String, String> workloads = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                continue;
            }
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], cells[c]);
            }
            String label = row.get("label");
            if (label.equals(baseline) || label.equals(candidate)) {
                workloads.put(row.get("workload"), row.get("unit"));
                (label.equals(baseline) ? base : cand).put(row.get("workload"), row);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("| Workload | Metric | %s | %s | %s / %s |%n", baselineName, candidateName,
                candidateName, baselineName));
        out.append("|---|---|---:|---:|---:|\n");
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, String> w : workloads.entrySet()) {
            Map<String, String> b = base.get(w.getKey());
            Map<String, String> c = cand.get(w.getKey());
            for (String[] metric : METRICS) {
                out.append(String.format("| %s | %s | %s | %s | %s |%n", w.getKey(),
                        String.format(metric[1], w.getValue()), cell(b, metric[0]), cell(c, metric[0]),
                        ratio(b, c, metric[0])));
            }
            note(notes, baselineName, w.getKey(), b);
            note(notes, candidateName, w.getKey(), c);
        }
        out.append("\nRatio > 1: more throughput, or higher (worse) latency, than ").append(baselineName)
                .append(".\n");
        out.append(parameters(base.isEmpty() ? cand : base));
        for (String note : notes) {
            out.append("- ").append(note).append('\n');
        }
        return out.toString();
    }

    /** One line saying what load produced the numbers (the "sessions" column means watchers / loops there). */
    private static String parameters(Map<String, Map<String, String>> rows) {
        List<String> parts = new ArrayList<>();
        for (Map<String, String> row : rows.values()) {
            if (!row.get("workload").equals("watch") && !row.get("workload").equals("churn")) {
                parts.add(0, row.get("sessions") + " sessions x " + row.get("outstanding") + " outstanding, "
                        + row.get("value_bytes") + "-byte values, " + row.get("duration_s") + " s measured");
                break;
            }
        }
        if (rows.containsKey("watch")) {
            parts.add("watch: " + rows.get("watch").get("sessions") + " watchers");
        }
        if (rows.containsKey("churn")) {
            parts.add("churn: " + rows.get("churn").get("sessions") + " concurrent loops");
        }
        return parts.isEmpty() ? "" : "Parameters: " + String.join("; ", parts) + ".\n";
    }

    private static String cell(Map<String, String> row, String metric) {
        if (row == null) {
            return "n/a";
        }
        if (row.get("status").startsWith("failed")) {
            return "failed";
        }
        double value = Double.parseDouble(row.get(metric));
        return metric.equals("per_sec") ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ratio(Map<String, String> b, Map<String, String> c, String metric) {
        if (b == null || c == null || b.get("status").startsWith("failed") || c.get("status").startsWith("failed")) {
            return "n/a";
        }
        double base = Double.parseDouble(b.get(metric));
        double cand = Double.parseDouble(c.get(metric));
        return base == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", cand / base);
    }

    private static void note(List<String> notes, String label, String workload, Map<String, String> row) {
        if (row != null && !row.get("status").equals("ok")) {
            notes.add(label + " " + workload + ": " + row.get("status") + " (errors: " + row.get("errors") + ")");
        }
    }
}
