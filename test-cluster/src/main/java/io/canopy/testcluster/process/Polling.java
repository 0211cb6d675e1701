package io.canopy.testcluster.process;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Bounded waiting on conditions that have nothing to wait on but a port (four-letter words): short sleeps, a
 * deadline, and the caller's description of what was last seen when the deadline passes.
 */
final class Polling {
    static final Duration INTERVAL = Duration.ofMillis(100);

    private Polling() {
    }

    /**
     * Calls {@code probe} until it returns a non-null value, and returns that value. The probe may throw to give
     * up early (a process that exited will never answer).
     *
     * @throws IllegalStateException with {@code failure}'s message once {@code timeout} has passed, or when
     *                               interrupted (the interrupt flag is kept)
     */
    static <T> T until(Duration timeout, Supplier<T> probe, Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(failure.get());
            }
            sleep(INTERVAL);
        }
    }

    /** Sleeps; an interrupt becomes an {@link IllegalStateException}, with the interrupt flag kept. */
    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
