package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PollingTest {

    @Test
    void returnsTheFirstValueTheProbeGives() {
        AtomicInteger calls = new AtomicInteger();

        String value = Polling.until(Duration.ofSeconds(5), () -> calls.incrementAndGet() < 3 ? null : "ready",
                () -> "never");

        assertThat(value).isEqualTo("ready");
        assertThat(calls).hasValue(3);
    }

    @Test
    void givesUpAfterTheTimeoutWithTheCallersDescription() {
        assertThatThrownBy(() -> Polling.until(Duration.ofMillis(250), () -> null, () -> "node 2: no answer"))
                .isInstanceOf(IllegalStateException.class).hasMessage("node 2: no answer");
    }

    @Test
    void aProbeThatThrowsEndsTheWaitAtOnce() {
        long started = System.nanoTime();
        assertThatThrownBy(() -> Polling.until(Duration.ofSeconds(30), () -> {
            throw new IllegalStateException("exited with code 1");
        }, () -> "timeout")).hasMessage("exited with code 1");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
}
