package io.canopy.node;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of a Canopy coordinator node. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CanopyNodeApplication {

    /** The JDK's name for the common pool's parallelism, read once, when the pool is first used. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        useCommonPoolForAsyncStages();
        SpringApplication.run(CanopyNodeApplication.class, args);
    }

    /**
     * Gives the common pool at least two threads unless the operator chose a value. With one or two cores the JDK
     * sizes it to one thread, and then every {@code CompletableFuture.*Async} stage without an executor starts a
     * new thread ({@code CompletableFuture.ThreadPerTaskExecutor}). Ratis composes a follower's log appends that
     * way, so on a two-core machine each appendEntries started threads: 9 % of a follower's CPU samples during
     * session churn were {@code Thread.start}.
     */
    static void useCommonPoolForAsyncStages() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
            int parallelism = Math.max(2, Runtime.getRuntime().availableProcessors() - 1);
            System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(parallelism));
        }
    }
}
