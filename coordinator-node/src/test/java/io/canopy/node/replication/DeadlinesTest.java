package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final Deadlines deadlines = new Deadlines(Duration.ofNanos(100), now::get);

    @Test
    void aFutureNotCompleteByItsDeadlineFailsWithATimeoutAndOneCompleteInTimeKeepsItsResult() {
        CompletableFuture<String> late = deadlines.within(new CompletableFuture<>());
        now.addAndGet(50);
        CompletableFuture<String> onTime = deadlines.within(new CompletableFuture<>());

        now.set(1_099);
        assertThat(deadlines.sweep(now.get())).isZero();
        assertThat(late).isNotDone();

        now.set(1_100);
        onTime.complete("ok");
        assertThat(deadlines.sweep(now.get())).isEqualTo(1);
        assertThatThrownBy(late::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);

        now.set(10_000);
        assertThat(deadlines.sweep(now.get())).isZero();
        assertThat(onTime).isCompletedWithValue("ok");
        assertThat(deadlines.tracked()).isZero();
    }

    @Test
    void completedFuturesAreDroppedAndAnAlreadyCompleteOneIsNotTracked() {
        deadlines.within(CompletableFuture.completedFuture(1));
        assertThat(deadlines.tracked()).isZero();

        for (int i = 0; i < 1_000; i++) {
            deadlines.within(new CompletableFuture<>()).complete(i);
        }
        assertThat(deadlines.tracked()).isEqualTo(1_000);
        assertThat(deadlines.sweep(now.get())).isZero();
        assertThat(deadlines.tracked()).isZero();
    }

    @Test
    void aRunningFutureWithinItsTimeHoldsTheLaterOnesUntilItEndsButNeverFailsThem() {
        CompletableFuture<Integer> first = deadlines.within(new CompletableFuture<>());
        CompletableFuture<Integer> second = deadlines.within(new CompletableFuture<>());
        second.complete(2);
        now.addAndGet(10);
        deadlines.sweep(now.get());
        assertThat(deadlines.tracked()).isEqualTo(2);
        first.complete(1);
        deadlines.sweep(now.get());
        assertThat(deadlines.tracked()).isZero();
        assertThat(first).isCompletedWithValue(1);
        assertThat(second).isCompletedWithValue(2);
    }

    @Test
    void theTimerFailsAnUnansweredFutureWithinATickOfItsDeadline() {
        try (Deadlines timed = new Deadlines(Duration.ofMillis(50), Duration.ofMillis(10), "test-deadlines")) {
            long started = System.nanoTime();
            CompletableFuture<Void> f = timed.within(new CompletableFuture<>());
            await().atMost(Duration.ofSeconds(5)).until(f::isDone);
            assertThat(f).isCompletedExceptionally();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        }
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> new Deadlines(Duration.ZERO, now::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
