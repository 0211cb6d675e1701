package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.canopy.node.replication.CommitNotifyingGrpc.StickySignal;
import io.canopy.testcluster.Timing;

/** The leader appender's wake-up: one that comes while nobody waits is not lost (Ratis's own is). */
class StickySignalTest {

    @Test
    void aSignalBeforeTheWaitEndsItAtOnceAndOnlyThatOne() throws Exception {
        StickySignal signal = new StickySignal("test");
        signal.signal();
        signal.signal();
        long started = System.nanoTime();
        assertThat(signal.await(1, TimeUnit.HOURS)).as("ended by the earlier signal").isTrue();
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(signal.await(50, TimeUnit.MILLISECONDS)).as("two signals make one wake-up").isFalse();
    }

    @Test
    void aSignalWakesAWaiterAndANonPositiveWaitReturnsAtOnce() throws Exception {
        StickySignal signal = new StickySignal("test");
        assertThat(signal.await(0, TimeUnit.MILLISECONDS)).isFalse();
        CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> {
            try {
                return signal.await(1, TimeUnit.HOURS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        signal.signal();
        assertThat(woken.get(Timing.seconds(10).toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
}
