package io.canopy.testcluster.process;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The safety net: every node process the harness starts is registered here until it exits, and a JVM shutdown
 * hook kills (SIGKILL, through its own {@link Process} handle) whatever is still running when the test JVM exits,
 * however it exits short of being killed itself. Only processes started by this JVM are ever touched.
 */
final class ProcessReaper {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::killAll, "canopy-node-process-reaper"));
    }

    private ProcessReaper() {
    }

    /** Kills {@code process} at JVM exit unless it has exited by then. */
    static void register(Process process) {
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
    }

    private static void killAll() {
        for (Process process : RUNNING) {
            process.destroyForcibly();   // SIGKILL also ends a stopped (SIGSTOP) process
        }
    }
}
