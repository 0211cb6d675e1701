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
import java.util.stream.Stream;

/**
 * Turns the CSV of two labels (say {@code zookeeper} and {@code canopy}) into a markdown table with the ratio
 * candidate / baseline per workload and metric, ready to paste into a README. Several rows of one (label, workload)
 * are rounds of a repeated comparison ({@code compare.sh --repeat}): the table shows each side's median over its
 * rounds that did not fail, the ratio of the medians, and, next to it, the ratio of every round (the n-th row of
 * the candidate over the n-th row of the baseline), so that run-to-run noise is in plain sight.
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
        Map<String, List<Map<String, String>>> base = new HashMap<>();
        Map<String, List<Map<String, String>>> cand = new HashMap<>();
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
                (label.equals(baseline) ? base : cand).computeIfAbsent(row.get("workload"), k -> new ArrayList<>())
                        .add(row);
            }
        }
        int rounds = Stream.concat(base.values().stream(), cand.values().stream()).mapToInt(List::size).max()
                .orElse(1);
        boolean repeated = rounds > 1;
        StringBuilder out = new StringBuilder();
        if (repeated) {
            out.append(String.format("| Workload | Metric | %s (median) | %s (median) | %s / %s | per round |%n",
                    baselineName, candidateName, candidateName, baselineName));
            out.append("|---|---|---:|---:|---:|---|\n");
        } else {
            out.append(String.format("| Workload | Metric | %s | %s | %s / %s |%n", baselineName, candidateName,
                    candidateName, baselineName));
            out.append("|---|---|---:|---:|---:|\n");
        }
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, String> w : workloads.entrySet()) {
            List<Map<String, String>> b = base.getOrDefault(w.getKey(), List.of());
            List<Map<String, String>> c = cand.getOrDefault(w.getKey(), List.of());
            for (String[] metric : METRICS) {
                Double bm = median(b, metric[0]);
                Double cm = median(c, metric[0]);
                out.append(String.format("| %s | %s | %s | %s | %s |", w.getKey(),
                        String.format(metric[1], w.getValue()), cell(b, bm, metric[0]), cell(c, cm, metric[0]),
                        ratio(bm, cm)));
                if (repeated) {
                    out.append(' ').append(perRound(b, c, metric[0])).append(" |");
                }
                out.append('\n');
            }
            for (Map<String, String> row : b) {
                note(notes, baselineName, w.getKey(), row);
            }
            for (Map<String, String> row : c) {
                note(notes, candidateName, w.getKey(), row);
            }
        }
        out.append("\nRatio > 1: more throughput, or higher (worse) latency, than ").append(baselineName)
                .append(".\n");
        if (repeated) {
            out.append("Medians of ").append(rounds).append(" rounds (failed rounds left out); \"per round\": the"
                    + " ratio in each round, in the order they ran.\n");
        }
        out.append(parameters(base.isEmpty() ? cand : base));
        for (String note : notes) {
            out.append("- ").append(note).append('\n');
        }
        return out.toString();
    }

    /** One line saying what load produced the numbers (the "sessions" column means watchers / loops there). */
    private static String parameters(Map<String, List<Map<String, String>>> byWorkload) {
        Map<String, Map<String, String>> rows = new HashMap<>();
        byWorkload.forEach((workload, list) -> rows.put(workload, list.get(list.size() - 1)));
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

    /** A round's value of a metric, or null if that round failed. */
    private static Double value(Map<String, String> row, String metric) {
        return row.get("status").startsWith("failed") ? null : Double.valueOf(row.get(metric));
    }

    /** The median of a metric over the rounds that did not fail; null when every round failed or none ran. */
    static Double median(List<Map<String, String>> rows, String metric) {
        List<Double> values = new ArrayList<>();
        for (Map<String, String> row : rows) {
            Double value = value(row, metric);
            if (value != null) {
                values.add(value);
            }
        }
        if (values.isEmpty()) {
            return null;
        }
        values.sort(null);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    private static String cell(List<Map<String, String>> rows, Double value, String metric) {
        if (rows.isEmpty()) {
            return "n/a";
        }
        if (value == null) {
            return "failed";
        }
        return metric.equals("per_sec") ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ratio(Double base, Double cand) {
        return base == null || cand == null || base == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", cand / base);
    }

    /** The ratio of each round: the n-th candidate row over the n-th baseline row ("n/a" where either failed). */
    private static String perRound(List<Map<String, String>> b, List<Map<String, String>> c, String metric) {
        List<String> ratios = new ArrayList<>();
        for (int i = 0; i < Math.max(b.size(), c.size()); i++) {
            ratios.add(ratio(i < b.size() ? value(b.get(i), metric) : null,
                    i < c.size() ? value(c.get(i), metric) : null));
        }
        return String.join(", ", ratios);
    }

    private static void note(List<String> notes, String label, String workload, Map<String, String> row) {
        if (!row.get("status").equals("ok")) {
            notes.add(label + " " + workload + ": " + row.get("status") + " (errors: " + row.get("errors") + ")");
        }
    }
}
