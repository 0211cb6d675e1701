package io.canopy.testcluster.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * A thread-safe recorder of client operations, meant to be fed from ZooKeeper client callbacks running on
 * many threads. {@link #invoke} is called just before the request is issued and one of {@link #ok},
 * {@link #fail} or {@link #info} when its answer (or the loss of it) is known, so the recorded interval
 * always contains the real one, which is what makes the linearizability check sound.
 *
 * <p>A single lock is enough: recording is a few field writes, far cheaper than the network round trip of
 * the operation being recorded, and it keeps operations ordered by invocation time.
 */
public final class History {

    private final LongSupplier clock;
    private final Object lock = new Object();
    private final List<Entry> entries = new ArrayList<>();

    /** A history on {@link System#nanoTime()}. */
    public History() {
        this(System::nanoTime);
    }

    /** A history on a custom monotonic clock (simulations, tests). */
    public History(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records the invocation of {@code op} by {@code clientId}; call it before issuing the request. */
    public OpHandle invoke(String clientId, Op op) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(op, "op");
        synchronized (lock) {
            int index = entries.size();
            entries.add(new Entry(clientId, op, clock.getAsLong()));
            return new OpHandle(this, index);
        }
    }

    /** The operation applied and returned {@code result}. */
    public void ok(OpHandle handle, Result result) {
        Objects.requireNonNull(result, "result");
        synchronized (lock) {
            Entry e = pending(handle);
            checkShape(e.op, result);
            e.complete(Outcome.OK, clock.getAsLong(), result, null);
        }
    }

    /** The operation definitely did not apply and its refusal says nothing the model can check. */
    public void fail(OpHandle handle) {
        synchronized (lock) {
            pending(handle).complete(Outcome.FAIL, clock.getAsLong(), null, null);
        }
    }

    /**
     * The operation definitely did not apply, refused with {@code error}: the refusal is an observation
     * (BADVERSION: the version differed; NONODE: the node was absent; NODEEXISTS: it existed).
     */
    public void fail(OpHandle handle, ZkError error) {
        Objects.requireNonNull(error, "error");
        synchronized (lock) {
            pending(handle).complete(Outcome.FAIL, clock.getAsLong(), null, error);
        }
    }

    /** The outcome is unknown (connection loss, timeout): the operation may take effect at any later time. */
    public void info(OpHandle handle) {
        synchronized (lock) {
            pending(handle).complete(Outcome.INFO, -1, null, null);
        }
    }

    /**
     * Completes from a ZooKeeper callback's return code: 0 is {@link #ok} with {@code okResult}; NONODE,
     * BADVERSION, NODEEXISTS are checked failures; other definite refusals (NOAUTH, NOTEMPTY ...) are plain
     * failures; everything else (CONNECTIONLOSS, OPERATIONTIMEOUT, SESSIONEXPIRED ...) is {@link #info}.
     */
    public void complete(OpHandle handle, int rc, Result okResult) {
        if (rc == 0) {
            ok(handle, okResult);
            return;
        }
        ZkError error = ZkError.fromCode(rc);
        if (error != null) {
            fail(handle, error);
        } else if (ZkError.isDefiniteUnmodelled(rc)) {
            fail(handle);
        } else {
            info(handle);
        }
    }

    /** All operations so far, in invocation order. */
    public List<Operation> operations() {
        synchronized (lock) {
            List<Operation> out = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                out.add(entries.get(i).snapshot(i));
            }
            return Collections.unmodifiableList(out);
        }
    }

    /** The per-key view: each key's operations in invocation order, keys in first-use order. */
    public Map<String, List<Operation>> byKey() {
        return groupByKey(operations());
    }

    /** Groups operations by key, keeping their order; keys in first-use order. */
    public static Map<String, List<Operation>> groupByKey(List<Operation> ops) {
        Map<String, List<Operation>> out = new LinkedHashMap<>();
        for (Operation o : ops) {
            out.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
        }
        return out;
    }

    /** The keys touched so far, sorted. */
    public TreeSet<String> keys() {
        return new TreeSet<>(byKey().keySet());
    }

    public int size() {
        synchronized (lock) {
            return entries.size();
        }
    }

    private Entry pending(OpHandle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle.owner != this) {
            throw new IllegalArgumentException(handle + " belongs to another history");
        }
        Entry e = entries.get(handle.index);
        if (e.outcome != Outcome.PENDING) {
            throw new IllegalStateException(handle + " already completed as " + e.outcome);
        }
        return e;
    }

    /** Rejects answers that cannot come from the call, so recording bugs surface at the recording site. */
    static void checkShape(Op op, Result r) {
        boolean fits;
        switch (op.type()) {
            case READ:
                fits = r.kind() == Result.Kind.PRESENT || r.kind() == Result.Kind.ABSENT;
                break;
            case DELETE:
                fits = r.kind() == Result.Kind.DONE;
                break;
            default:
                fits = r.kind() == Result.Kind.VERSION || r.kind() == Result.Kind.DONE;
        }
        if (!fits) {
            throw new IllegalArgumentException(r.kind() + " is not an answer to " + op);
        }
    }

    /** Mutable record under {@link #lock}. */
    private static final class Entry {
        final String clientId;
        final Op op;
        final long invokeNanos;
        long completeNanos = -1;
        Outcome outcome = Outcome.PENDING;
        Result result;
        ZkError error;

        Entry(String clientId, Op op, long invokeNanos) {
            this.clientId = clientId;
            this.op = op;
            this.invokeNanos = invokeNanos;
        }

        void complete(Outcome outcome, long at, Result result, ZkError error) {
            this.outcome = outcome;
            this.completeNanos = at;
            this.result = result;
            this.error = error;
        }

        Operation snapshot(int id) {
            return new Operation(id, clientId, op, invokeNanos, completeNanos, outcome, result, error);
        }
    }
}
