package io.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The node's entry point sizes the common pool before anything uses it, so that {@code CompletableFuture}'s async
 * stages (Ratis composes a follower's log appends with them) run on pooled threads on a two-core machine instead of
 * one new thread per stage. Checked in a child JVM that believes it has two cores, since the common pool is sized
 * once per JVM.
 */
class CommonPoolTest {

    @Test
    void asyncStagesRunOnThePoolOnTwoCores() throws Exception {
        assertThat(threadOfAnAsyncStage(true)).startsWith("ForkJoinPool.commonPool-worker");
    }

    @Test
    void withoutItJdk17StartsAThreadPerStage() throws Exception {
        // The control: without the call (as the node ran before), JDK 17 starts a thread for the stage. Newer JDKs
        // (25 here) run async stages on the pool even when it has one thread; there the control is skipped.
        String thread = threadOfAnAsyncStage(false);
        if (Runtime.version().feature() != 17) {
            assumeThat(thread).doesNotStartWith("ForkJoinPool.commonPool-worker");
        }
        assertThat(thread).doesNotStartWith("ForkJoinPool.commonPool-worker");
    }

    @Test
    void anOperatorsChoiceIsKept() {
        String before = System.getProperty(CanopyNodeApplication.COMMON_POOL_PARALLELISM);
        try {
            System.setProperty(CanopyNodeApplication.COMMON_POOL_PARALLELISM, "7");
            CanopyNodeApplication.useCommonPoolForAsyncStages();
            assertThat(System.getProperty(CanopyNodeApplication.COMMON_POOL_PARALLELISM)).isEqualTo("7");
        } finally {
            if (before == null) {
                System.clearProperty(CanopyNodeApplication.COMMON_POOL_PARALLELISM);
            } else {
                System.setProperty(CanopyNodeApplication.COMMON_POOL_PARALLELISM, before);
            }
        }
    }

    /** Runs {@link Probe} in a JVM with two processors and returns the name of the thread its async stage ran on. */
    private static String threadOfAnAsyncStage(boolean sizePool) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:ActiveProcessorCount=2");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Probe.class.getName());
        command.add(Boolean.toString(sizePool));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe JVM finished").isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }

    /** The child JVM: optionally the node's start-up call, then one async stage; prints the thread it ran on. */
    public static final class Probe {
        public static void main(String[] args) {
            if (Boolean.parseBoolean(args[0])) {
                CanopyNodeApplication.useCommonPoolForAsyncStages();
            }
            System.out.println(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).join());
        }
    }
}
