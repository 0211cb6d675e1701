package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Operation;
import io.canopy.testcluster.history.Outcome;
import io.canopy.testcluster.history.Result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One key's operations made ready for the search.
 *
 * <ul>
 *   <li>Dropped: plain failures (no effect, nothing observed), uncertain reads (no effect, nothing observed)
 *       and uncertain ops invoked after the last completed one returned (nothing could observe them).</li>
 *   <li>Values no read ever returned all become value id 0: they are indistinguishable to every observer,
 *       so merging them is exact and lets the memo table merge states that differ only by such values.</li>
 *   <li>Ops are numbered completed-first (by invocation), then uncertain ones, so the linearized set is
 *       mostly a dense prefix, which {@link VisitedSet} stores compactly.</li>
 *   <li>Each uncertain op knows the previous uncertain op with the same effect: both stay available forever,
 *       so the search only ever applies the earliest of such twins (symmetry reduction).</li>
 * </ul>
 */
final class PreparedKey {

    final String key;
    final RegisterState initial;
    final long initialState;
    final ModelOp[] ops;
    final int completedCount;
    /** For uncertain ops: index of the previous op with the same effect, or -1. */
    final int[] previousTwin;
    /** Entries (calls and returns) in time order; calls before returns on equal times. */
    final int[] entryOp;
    final boolean[] entryIsCall;
    final int[] callEntry;
    final int[] returnEntry;

    private PreparedKey(String key, RegisterState initial, List<Operation> kept) {
        this.key = key;
        this.initial = initial;
        Map<String, Integer> valueIds = readValues(kept);
        this.initialState = ZnodeModel.pack(initial.exists(), idOf(valueIds, initial.value()), initial.version());
        this.ops = new ModelOp[kept.size()];
        int completed = 0;
        for (int i = 0; i < ops.length; i++) {
            Operation o = kept.get(i);
            Result r = o.result();
            int resultId = r != null && r.kind() == Result.Kind.PRESENT ? valueIds.get(r.value()) : 0;
            ops[i] = new ModelOp(o, idOf(valueIds, o.op().value()), resultId);
            completed += o.isUncertain() ? 0 : 1;
        }
        this.completedCount = completed;
        this.previousTwin = twins(ops, completed);
        int entries = completed * 2 + (ops.length - completed);
        this.entryOp = new int[entries];
        this.entryIsCall = new boolean[entries];
        this.callEntry = new int[ops.length];
        this.returnEntry = new int[ops.length];
        buildEntries();
    }

    /** Prepares one key; {@code ops} must all be on {@code key}. */
    static PreparedKey of(String key, List<Operation> ops, RegisterState initial) {
        List<Operation> completed = new ArrayList<>();
        List<Operation> uncertain = new ArrayList<>();
        long lastReturn = Long.MIN_VALUE;
        for (Operation o : ops) {
            if (!key.equals(o.key())) {
                throw new IllegalArgumentException(o + " is not on " + key);
            }
            if (o.isUncertain()) {
                if (o.op().type() != Op.Type.READ) {
                    uncertain.add(o);
                }
            } else if (o.outcome() == Outcome.OK || o.error() != null) {
                if (o.completeNanos() < o.invokeNanos()) {
                    throw new IllegalArgumentException(o + " completes before its invocation");
                }
                completed.add(o);
                lastReturn = Math.max(lastReturn, o.completeNanos());
            }
        }
        long horizon = lastReturn;
        uncertain.removeIf(o -> o.invokeNanos() > horizon);
        Comparator<Operation> byInvoke = Comparator.comparingLong(Operation::invokeNanos)
                .thenComparingLong(Operation::id);
        completed.sort(byInvoke);
        uncertain.sort(byInvoke);
        List<Operation> kept = new ArrayList<>(completed);
        kept.addAll(uncertain);
        return new PreparedKey(key, Objects.requireNonNull(initial, "initial"), kept);
    }

    /** Ids 1..n for the values some read returned; everything else maps to 0. */
    private static Map<String, Integer> readValues(List<Operation> ops) {
        Map<String, Integer> ids = new HashMap<>();
        for (Operation o : ops) {
            Result r = o.result();
            if (r != null && r.kind() == Result.Kind.PRESENT && !ids.containsKey(r.value())) {
                ids.put(r.value(), ids.size() + 1);
            }
        }
        return ids;
    }

    private static int idOf(Map<String, Integer> ids, String value) {
        Integer id = ids.get(value);
        return id == null ? 0 : id;
    }

    private static int[] twins(ModelOp[] ops, int firstUncertain) {
        int[] twin = new int[ops.length];
        Arrays.fill(twin, -1);
        Map<List<Integer>, Integer> lastOfKind = new HashMap<>();
        for (int i = firstUncertain; i < ops.length; i++) {
            ModelOp o = ops[i];
            List<Integer> effect = List.of(o.type.ordinal(), o.valueId, o.expectedVersion);
            Integer previous = lastOfKind.put(effect, i);
            twin[i] = previous == null ? -1 : previous;
        }
        return twin;
    }

    private void buildEntries() {
        int n = entryOp.length;
        long[] time = new long[n];
        Integer[] order = new Integer[n];
        int e = 0;
        for (int i = 0; i < ops.length; i++) {
            entryOp[e] = i;
            entryIsCall[e] = true;
            time[e] = ops[i].source.invokeNanos();
            e++;
            if (!ops[i].uncertain) {
                entryOp[e] = i;
                time[e] = ops[i].source.completeNanos();
                e++;
            }
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> time[i])
                .thenComparing(i -> entryIsCall[i] ? 0 : 1)
                .thenComparingInt(i -> entryOp[i]));
        int[] op = entryOp.clone();
        boolean[] call = entryIsCall.clone();
        Arrays.fill(returnEntry, -1);
        for (int pos = 0; pos < n; pos++) {
            int from = order[pos];
            entryOp[pos] = op[from];
            entryIsCall[pos] = call[from];
            if (call[from]) {
                callEntry[op[from]] = pos;
            } else {
                returnEntry[op[from]] = pos;
            }
        }
    }

    /** The real register state behind a packed state reached by applying {@code applied} from the start. */
    RegisterState decode(long state, int[] applied, int count) {
        if (!ZnodeModel.exists(state)) {
            return RegisterState.absent();
        }
        String value = initial.value();
        for (int i = count - 1; i >= 0; i--) {
            ModelOp o = ops[applied[i]];
            if (o.setsValue() && o.error == null) {
                value = o.source.op().value();
                break;
            }
        }
        return RegisterState.of(value, ZnodeModel.version(state));
    }
}
