package io.canopy.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.canopy.bench.Measurement.Result;

/**
 * Entry point of canopy-bench.jar. Exit codes: 0 all workloads ran, 1 some workload failed or was cut,
 * 2 bad arguments or no server, 3 the watchdog stopped a run that overran its time budget.
 */
public final class BenchMain {

    /** Slack over the planned measured time: session setup, draining, key creation, cleanup. */
    private static final Duration WATCHDOG_SLACK = Duration.ofMinutes(4);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("report")) {
            CompareReport.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(BenchOptions.USAGE);
            return;
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        startWatchdog(options.plannedTime().plus(options.waitReady()).plus(WATCHDOG_SLACK));
        ResultSink sink = new ResultSink(options);
        List<Result> results;
        try {
            results = new BenchRun(options).run(result -> {
                try {
                    sink.appendCsv(result);
                } catch (java.io.IOException e) {
                    BenchRun.log("cannot append to " + options.out() + ": " + e);
                }
            });
        } catch (java.io.IOException e) {
            BenchRun.log("cannot reach " + options.connect() + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        sink.printTable(System.out, results);
        boolean allOk = results.stream().allMatch(r -> r.status().equals("ok"));
        System.exit(allOk ? 0 : 1);
    }

    /** Whatever happens (a server that accepts connections and never answers), the run ends. */
    private static void startWatchdog(Duration budget) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(budget.toMillis());
                BenchRun.log("watchdog: run exceeded " + budget.toSeconds() + " s, halting");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException ignored) {
                // the run finished
            }
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
