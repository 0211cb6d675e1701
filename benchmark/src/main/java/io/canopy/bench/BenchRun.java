package io.canopy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZKUtil;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

import io.canopy.bench.BenchOptions.Workload;
import io.canopy.bench.Measurement.Result;

/**
 * One benchmark run against one server: a fresh root node for this run, the chosen workloads in order, then
 * cleanup of everything under the root. A workload that fails becomes a failed row; the next one still runs.
 */
final class BenchRun {

    private static final Duration CLEANUP_LIMIT = Duration.ofSeconds(90);

    private final BenchOptions options;
    private final Clients clients;

    BenchRun(BenchOptions options) {
        this.options = options;
        this.clients = new Clients(options.connect(), options.sessionTimeout());
    }

    /** Runs every workload, handing each result to {@code sink} as soon as it is known. */
    List<Result> run(Consumer<Result> sink) throws Exception {
        ZooKeeper control = clients.open(options.waitReady());
        String root = "/canopy-bench-" + options.label() + "-" + Long.toString(System.currentTimeMillis(), 36);
        List<Result> results = new ArrayList<>();
        try {
            control.create(root, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            PipelinedWorkloads pipelined = new PipelinedWorkloads(options, clients, control, root);
            try {
                for (Workload workload : options.workloads()) {
                    log("running " + workload.cliName + " (warmup " + options.warmup().toMillis() + " ms, measured "
                            + options.duration().toMillis() + " ms)");
                    Result result = runOne(workload, pipelined, control, root);
                    results.add(result);
                    sink.accept(result);
                    if (workload == Workload.CREATE) {
                        deleteCreated(pipelined);
                    }
                }
            } finally {
                cleanUp(pipelined, control, root);
            }
        } finally {
            Clients.close(control);
        }
        return results;
    }

    private Result runOne(Workload workload, PipelinedWorkloads pipelined, ZooKeeper control, String root) {
        try {
            return switch (workload) {
                case WATCH -> new WatchFanout(options, clients, control, root).run();
                case CHURN -> new SessionChurn(options, clients, control, root).run();
                default -> pipelined.run(workload);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed(workload, "interrupted");
        } catch (Exception e) {
            log(workload.cliName + " failed: " + e);
            return Result.failed(workload, "failed: " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    /**
     * Deletes what the create workload made before the next workload runs, so that every later workload finds the
     * same small tree on every server: otherwise the server that created more nodes carries a bigger tree, with
     * longer snapshots and collections, into the next measured windows.
     */
    private void deleteCreated(PipelinedWorkloads pipelined) {
        long started = System.nanoTime();
        try {
            int left = pipelined.cleanUp(CLEANUP_LIMIT);
            log("deleted the nodes the create workload made in " + (System.nanoTime() - started) / 1_000_000 + " ms"
                    + (left == 0 ? "" : "; " + left + " left"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cleanUp(PipelinedWorkloads pipelined, ZooKeeper control, String root) {
        long started = System.nanoTime();
        try {
            int left = pipelined.cleanUp(CLEANUP_LIMIT);
            if (left == 0) {
                ZKUtil.deleteRecursive(control, root, 500);
                log("cleaned up " + root + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            } else {
                log("cleanup incomplete: " + left + " node(s) left under " + root);
            }
        } catch (Exception e) {
            log("cleanup of " + root + " failed: " + e);
        }
    }

    static void log(String message) {
        System.err.printf("[bench %tT] %s%n", System.currentTimeMillis(), message);
    }
}
