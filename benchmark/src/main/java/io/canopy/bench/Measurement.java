package io.canopy.bench;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The measured window of one workload: a warm-up that is not counted, then {@code duration} during which every
 * completion is counted and its latency recorded. Safe to record into from any number of client threads.
 */
final class Measurement {

    /** Latencies are kept in microseconds, up to a minute: anything slower is a failure anyway. */
    private static final long MAX_MICROS = Duration.ofMinutes(1).toNanos() / 1000;

    private final long startNanos;
    private final long measureFromNanos;
    private final long measureUntilNanos;
    private final ConcurrentHistogram histogram = new ConcurrentHistogram(MAX_MICROS, 3);
    private final LongAdder errors = new LongAdder();

    Measurement(Duration warmup, Duration duration) {
        startNanos = System.nanoTime();
        measureFromNanos = startNanos + warmup.toNanos();
        measureUntilNanos = measureFromNanos + duration.toNanos();
    }

    /** True once the measured window has ended: load generators stop issuing. */
    boolean over() {
        return System.nanoTime() >= measureUntilNanos;
    }

    long endNanos() {
        return measureUntilNanos;
    }

    /** Records a success that started at {@code issuedNanos} and completes now, if now is inside the window. */
    void success(long issuedNanos) {
        long now = System.nanoTime();
        if (now >= measureFromNanos && now < measureUntilNanos) {
            histogram.recordValue(Math.min(MAX_MICROS, Math.max(0, (now - issuedNanos) / 1000)));
        }
    }

    /** Counts a failed operation completing now, if now is inside the window. */
    void error() {
        long now = System.nanoTime();
        if (now >= measureFromNanos && now < measureUntilNanos) {
            errors.increment();
        }
    }

    /** Turns the window into a result row. */
    Result result(BenchOptions.Workload workload, String status) {
        Histogram copy = histogram.copy();
        double seconds = (measureUntilNanos - measureFromNanos) / 1e9;
        long count = copy.getTotalCount();
        long failed = errors.sum();
        String outcome = status.equals("ok") && failed > 0 ? "completed with errors" : status;
        return new Result(workload, count, count / seconds, millis(copy, 50), millis(copy, 99),
                millis(copy, 99.9), count == 0 ? 0 : copy.getMaxValue() / 1000.0, failed, outcome);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * One workload's outcome.
     *
     * @param ops       completed successful operations inside the window
     * @param perSecond ops divided by the window's length
     * @param p50Ms     latency percentiles in milliseconds (microsecond resolution)
     * @param errors    failed operations inside the window
     * @param status    {@code ok}, or why the workload could not run / was cut short
     */
    record Result(BenchOptions.Workload workload, long ops, double perSecond, double p50Ms, double p99Ms,
                  double p999Ms, double maxMs, long errors, String status) {

        static Result failed(BenchOptions.Workload workload, String why) {
            return new Result(workload, 0, 0, 0, 0, 0, 0, 0, why);
        }
    }
}
