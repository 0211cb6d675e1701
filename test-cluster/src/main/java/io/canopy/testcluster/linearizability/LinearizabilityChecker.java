package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.Operation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Checks that a history of single-key register operations on znodes is linearizable. Keys are independent
 * objects, so each key's sub-history is checked on its own (P-compositionality, as in Knossos and
 * Porcupine), which keeps each search small. The search is bounded: past {@link #withMaxStatesPerKey} or
 * {@link #withTimeout} a key's verdict is UNKNOWN rather than a wrong answer or an endless test.
 *
 * <p>Mind what ZooKeeper promises: its plain reads are served by the connected server and may be stale, so
 * they are linearizable only if the test makes them so (for example sync() before the read, or reading
 * from the leader). Writes, CAS, create and delete go through the log and are always linearizable.
 *
 * <p>Immutable; the {@code with} methods return modified copies.
 */
public final class LinearizabilityChecker {

    private final long maxStatesPerKey;
    private final Duration timeout;
    private final Function<String, RegisterState> initialState;
    private final int parallelism;

    /** 1 million states per key, 60 s in all, every key initially absent, one thread. */
    public LinearizabilityChecker() {
        this(1_000_000, Duration.ofSeconds(60), key -> RegisterState.absent(), 1);
    }

    private LinearizabilityChecker(long maxStatesPerKey, Duration timeout,
                                   Function<String, RegisterState> initialState, int parallelism) {
        this.maxStatesPerKey = maxStatesPerKey;
        this.timeout = timeout;
        this.initialState = initialState;
        this.parallelism = parallelism;
    }

    /** Caps the configurations explored per key (memory grows with them: roughly 100 bytes each). */
    public LinearizabilityChecker withMaxStatesPerKey(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("max states must be positive: " + max);
        }
        return new LinearizabilityChecker(max, timeout, initialState, parallelism);
    }

    /** Caps the wall time of a whole check; keys not finished in time are UNKNOWN. */
    public LinearizabilityChecker withTimeout(Duration limit) {
        return new LinearizabilityChecker(maxStatesPerKey, Objects.requireNonNull(limit), initialState,
                parallelism);
    }

    /** The state of each key before the history starts (default: absent, as before the test creates it). */
    public LinearizabilityChecker withInitialState(Function<String, RegisterState> initial) {
        return new LinearizabilityChecker(maxStatesPerKey, timeout, Objects.requireNonNull(initial),
                parallelism);
    }

    /** Same initial state for every key. */
    public LinearizabilityChecker withInitialState(RegisterState initial) {
        Objects.requireNonNull(initial);
        return withInitialState(key -> initial);
    }

    /** Checks up to this many keys at once (default 1: test machines are shared). */
    public LinearizabilityChecker withParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallelism must be positive: " + threads);
        }
        return new LinearizabilityChecker(maxStatesPerKey, timeout, initialState, threads);
    }

    public CheckResult check(History history) {
        return check(history.operations());
    }

    /** Checks a list of operations (for example read back from JSON lines). */
    public CheckResult check(List<Operation> operations) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Map<String, List<Operation>> byKey = new TreeMap<>(History.groupByKey(operations));
        Map<String, KeyVerdict> perKey = new TreeMap<>();
        if (parallelism == 1 || byKey.size() <= 1) {
            byKey.forEach((key, ops) -> perKey.put(key, checkKey(key, ops, deadline)));
        } else {
            perKey.putAll(checkInParallel(byKey, deadline));
        }
        Verdict overall = Verdict.LINEARIZABLE;
        for (KeyVerdict v : perKey.values()) {
            overall = Verdict.combine(overall, v.verdict());
        }
        return new CheckResult(overall, perKey, System.nanoTime() - start);
    }

    private Map<String, KeyVerdict> checkInParallel(Map<String, List<Operation>> byKey, long deadline) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, byKey.size()), r -> {
            Thread t = new Thread(r, "linearizability-check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<KeyVerdict>> futures = new ArrayList<>();
            byKey.forEach((key, ops) -> futures.add(pool.submit(() -> checkKey(key, ops, deadline))));
            Map<String, KeyVerdict> out = new TreeMap<>();
            for (Future<KeyVerdict> f : futures) {
                KeyVerdict v = f.get();
                out.put(v.key(), v);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("checking failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Checks one key's sub-history. */
    public KeyVerdict checkKey(String key, List<Operation> ops, long deadlineNanos) {
        long start = System.nanoTime();
        PreparedKey prepared = PreparedKey.of(key, ops, initialState.apply(key));
        KeySearch search = new KeySearch(prepared, maxStatesPerKey, deadlineNanos);
        KeySearch.Outcome outcome = search.run();
        long elapsed = System.nanoTime() - start;
        int searched = prepared.ops.length;
        switch (outcome) {
            case LINEARIZABLE:
                return new KeyVerdict(key, Verdict.LINEARIZABLE, ops.size(), searched, search.states(), elapsed,
                        null, null);
            case VIOLATION:
                return new KeyVerdict(key, Verdict.NOT_LINEARIZABLE, ops.size(), searched, search.states(),
                        elapsed, search.violation(), null);
            default:
                return new KeyVerdict(key, Verdict.UNKNOWN, ops.size(), searched, search.states(), elapsed, null,
                        search.budgetNote());
        }
    }
}
