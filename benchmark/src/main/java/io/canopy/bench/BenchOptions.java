package io.canopy.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options of the load generator. Every knob has a default so that one bare command measures a
 * server on 127.0.0.1:2181; durations accept {@code 500ms}, {@code 20s}, {@code 2m} or plain seconds.
 *
 * @param connect           ZooKeeper connect string
 * @param workloads         workloads to run, in order
 * @param sessions          client sessions of the pipelined workloads
 * @param outstanding       in-flight async requests per session (closed loop)
 * @param valueBytes        size of every value written
 * @param keys              size of the pre-created key set of setData/getData/mixed
 * @param watchers          watcher sessions of the watch fan-out workload
 * @param churnConcurrency  threads opening and closing sessions in the churn workload
 * @param duration          measured time of each workload
 * @param warmup            unmeasured time before it
 * @param sessionTimeout    session timeout asked of the server
 * @param waitReady         how long to wait for the server to accept a session before giving up
 * @param label             name of the measured server in the table and the CSV
 * @param out               CSV file rows are appended to, or null
 */
public record BenchOptions(String connect, List<Workload> workloads, int sessions, int outstanding, int valueBytes,
                           int keys, int watchers, int churnConcurrency, Duration duration, Duration warmup,
                           Duration sessionTimeout, Duration waitReady, String label, Path out) {

    static final String USAGE = """
            usage: java -jar canopy-bench.jar [options]
              --connect HOST:PORT[,..]   server(s) to measure            (127.0.0.1:2181)
              --workload LIST            create,setData,getData,mixed,watch,churn or all  (all)
              --sessions N               sessions of the pipelined workloads  (32)
              --outstanding N            in-flight async requests per session (100)
              --value-bytes N            bytes per value written              (1024)
              --keys N                   keys of setData/getData/mixed        (1000)
              --watchers N               watcher sessions of 'watch'          (100)
              --churn-concurrency N      parallel open/create/close loops     (8)
              --duration D               measured time per workload           (20s)
              --warmup D                 unmeasured time before it            (5s)
              --session-timeout D        session timeout asked of the server  (20s)
              --wait D                   wait this long for the server to accept a session (30s)
              --label NAME               server name in table and CSV         (server)
              --out FILE                 append CSV rows to FILE              (none)
            or: java -jar canopy-bench.jar report FILE.csv [--baseline zookeeper] [--candidate canopy]
                  [--baseline-name "ZooKeeper 3.9.5"] [--candidate-name Canopy]   (markdown comparison)
            """;

    /** Parses {@code --name value} pairs; unknown names and bad values are errors, never silently ignored. */
    public static BenchOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got " + name);
            }
            int eq = name.indexOf('=');
            if (eq > 0) {
                given.put(name.substring(2, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length) {
                given.put(name.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("missing value for " + name);
            }
        }
        BenchOptions options = new BenchOptions(
                take(given, "connect", "127.0.0.1:2181"),
                Workload.parseList(take(given, "workload", "all")),
                positive(given, "sessions", 32),
                positive(given, "outstanding", 100),
                nonNegative(given, "value-bytes", 1024),
                positive(given, "keys", 1000),
                positive(given, "watchers", 100),
                positive(given, "churn-concurrency", 8),
                duration(take(given, "duration", "20s")),
                duration(take(given, "warmup", "5s")),
                duration(take(given, "session-timeout", "20s")),
                duration(take(given, "wait", "30s")),
                take(given, "label", "server"),
                outPath(take(given, "out", null)));
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + given.keySet());
        }
        if (options.duration.isZero()) {
            throw new IllegalArgumentException("--duration must be > 0");
        }
        if (!options.label.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("--label must be letters, digits, '_', '.', '-'");
        }
        return options;
    }

    /** Parses {@code 250ms}, {@code 20s}, {@code 2m} or a bare number of seconds. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad duration: " + text);
        }
    }

    /** Upper bound of the measured phases, used by the watchdog. */
    Duration plannedTime() {
        return duration.plus(warmup).multipliedBy(workloads.size());
    }

    private static String take(Map<String, String> given, String name, String fallback) {
        String value = given.remove(name);
        return value == null ? fallback : value;
    }

    private static int positive(Map<String, String> given, String name, int fallback) {
        int value = nonNegative(given, name, fallback);
        if (value == 0) {
            throw new IllegalArgumentException("--" + name + " must be > 0");
        }
        return value;
    }

    private static int nonNegative(Map<String, String> given, String name, int fallback) {
        String text = take(given, name, Integer.toString(fallback));
        try {
            int value = Integer.parseInt(text.trim());
            if (value < 0) {
                throw new IllegalArgumentException("--" + name + " must be >= 0");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got " + text);
        }
    }

    private static Path outPath(String text) {
        return text == null || text.isBlank() ? null : Path.of(text);
    }

    /** The workloads, in the order {@code all} runs them. */
    public enum Workload {
        CREATE("create", "ops"),
        SET_DATA("setData", "ops"),
        GET_DATA("getData", "ops"),
        MIXED("mixed", "ops"),
        WATCH("watch", "events"),
        CHURN("churn", "sessions");

        final String cliName;
        /** What one counted unit of throughput is. */
        final String unit;

        Workload(String cliName, String unit) {
            this.cliName = cliName;
            this.unit = unit;
        }

        static List<Workload> parseList(String text) {
            List<Workload> result = new ArrayList<>();
            for (String part : text.split(",")) {
                String name = part.trim();
                if (name.equalsIgnoreCase("all")) {
                    result.addAll(List.of(values()));
                    continue;
                }
                Workload found = null;
                for (Workload w : values()) {
                    if (w.cliName.equalsIgnoreCase(name)) {
                        found = w;
                    }
                }
                if (found == null) {
                    throw new IllegalArgumentException("unknown workload: " + name);
                }
                result.add(found);
            }
            return List.copyOf(new java.util.LinkedHashSet<>(result));
        }
    }
}
