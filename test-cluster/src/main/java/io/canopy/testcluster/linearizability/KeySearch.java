package io.canopy.testcluster.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Wing and Gong's search with Lowe's memoization, as in Porcupine, over one key. The history is a doubly
 * linked list of call and return entries in time order. Walking from the head, a call is a candidate: if
 * the model accepts it in the current state and the resulting (linearized set, state) was never explored,
 * it is linearized: pushed, its call and return unlinked (dancing links), and the walk restarts at the head.
 * Meeting a return means its operation should already have been linearized: backtrack. The list running
 * out means every completed operation is linearized: success. Uncertain operations have no return entry,
 * so they may be linearized at any point after their call or never.
 */
final class KeySearch {

    private static final int NIL = -1;
    private static final int KEPT_PREFIX = 8;
    private static final int MAX_CANDIDATES = 12;

    private final PreparedKey k;
    private final long maxStates;
    private final long deadlineNanos;
    private final int head;
    private final int[] next;
    private final int[] prev;
    private final long[] linearized;
    private final long[] zobrist;
    /** Bit of each op in {@link #linearized}: completed ops first, uncertain ones from word {@link #split}. */
    private final int[] bit;
    private final int split;
    private final int[] stackOp;
    private final long[] stackState;
    private final VisitedSet visited = new VisitedSet();
    private final SpentOps spent;
    private final long[] canonical;
    private int depth;
    private long setHash;

    private int furthestReturn = -1;
    private long furthestState;
    private int[] furthestStack = new int[0];
    private int[] furthestPending = new int[0];

    KeySearch(PreparedKey k, long maxStates, long deadlineNanos) {
        this.k = k;
        this.maxStates = maxStates;
        this.deadlineNanos = deadlineNanos;
        int entries = k.entryOp.length;
        this.head = entries;
        this.next = new int[entries + 1];
        this.prev = new int[entries + 1];
        for (int e = 0; e < entries; e++) {
            next[e] = e + 1 < entries ? e + 1 : NIL;
            prev[e] = e == 0 ? head : e - 1;
        }
        next[head] = entries == 0 ? NIL : 0;
        this.split = (k.completedCount + 63) / 64;
        this.bit = new int[k.ops.length];
        for (int op = 0; op < bit.length; op++) {
            bit[op] = op < k.completedCount ? op : split * 64 + op - k.completedCount;
        }
        this.linearized = new long[split + (k.ops.length - k.completedCount + 63) / 64];
        this.zobrist = new long[k.ops.length];
        SplittableRandom random = new SplittableRandom(0x5EEDL);
        for (int i = 0; i < zobrist.length; i++) {
            zobrist[i] = random.nextLong();
        }
        this.spent = SpentOps.of(k);
        this.canonical = new long[linearized.length];
        this.stackOp = new int[k.ops.length];
        this.stackState = new long[k.ops.length];
    }

    /** Runs the search to an answer, or to UNKNOWN when the budget runs out. */
    Outcome run() {
        long state = k.initialState;
        remember(state);
        int entry = next[head];
        long steps = 0;
        while (entry != NIL) {
            if ((++steps & 1023) == 0 && outOfBudget()) {
                return Outcome.UNKNOWN;
            }
            int op = k.entryOp[entry];
            if (!k.entryIsCall[entry]) {
                noteReturn(entry, state);
                if (depth == 0) {
                    return Outcome.VIOLATION;
                }
                depth--;
                op = stackOp[depth];
                state = stackState[depth];
                flip(op);
                unlift(op);
                entry = next[k.callEntry[op]];
                continue;
            }
            long after = tryStep(state, op);
            if (after != ZnodeModel.ILLEGAL) {
                flip(op);
                if (remember(after)) {
                    stackOp[depth] = op;
                    stackState[depth] = state;
                    depth++;
                    state = after;
                    lift(op);
                    entry = next[head];
                    continue;
                }
                flip(op);
            }
            entry = next[entry];
        }
        return Outcome.LINEARIZABLE;
    }

    /**
     * Adds the configuration (linearized set, state) to the memo table, false if it was explored already.
     * Spent uncertain ops are cleared from the set first, as if never linearized: see {@link SpentOps}.
     */
    private boolean remember(long state) {
        long[] mask = spent == null ? null : spent.mask(state);
        if (mask == null) {
            return visited.add(linearized, split, setHash, state);
        }
        System.arraycopy(linearized, 0, canonical, 0, linearized.length);
        long hash = setHash;
        for (int w = 0; w < mask.length; w++) {
            long clear = linearized[split + w] & mask[w];
            canonical[split + w] &= ~clear;
            while (clear != 0) {
                hash ^= zobrist[k.completedCount + w * 64 + Long.numberOfTrailingZeros(clear)];
                clear &= clear - 1;
            }
        }
        return visited.add(canonical, split, hash, state);
    }

    /** The state after {@code op}, or ILLEGAL when it cannot (or need not) be linearized here. */
    private long tryStep(long state, int op) {
        ModelOp o = k.ops[op];
        if (o.uncertain) {
            int twin = k.previousTwin[op];
            if (twin >= 0 && !isLinearized(twin)) {
                return ZnodeModel.ILLEGAL;
            }
            long after = ZnodeModel.step(state, o);
            return after == state ? ZnodeModel.ILLEGAL : after;
        }
        return ZnodeModel.step(state, o);
    }

    private boolean outOfBudget() {
        return visited.size() > maxStates || System.nanoTime() - deadlineNanos > 0;
    }

    long states() {
        return visited.size();
    }

    String budgetNote() {
        return visited.size() > maxStates ? "state budget of " + maxStates + " exceeded" : "time budget exceeded";
    }

    private boolean isLinearized(int op) {
        return (linearized[bit[op] >>> 6] & (1L << bit[op])) != 0;
    }

    private void flip(int op) {
        linearized[bit[op] >>> 6] ^= 1L << bit[op];
        setHash ^= zobrist[op];
    }

    private void lift(int op) {
        unlink(k.callEntry[op]);
        if (k.returnEntry[op] >= 0) {
            unlink(k.returnEntry[op]);
        }
    }

    /** Exact reverse of {@link #lift}: removed entries kept their links, so they slot back in place. */
    private void unlift(int op) {
        if (k.returnEntry[op] >= 0) {
            relink(k.returnEntry[op]);
        }
        relink(k.callEntry[op]);
    }

    private void unlink(int e) {
        next[prev[e]] = next[e];
        if (next[e] != NIL) {
            prev[next[e]] = prev[e];
        }
    }

    private void relink(int e) {
        next[prev[e]] = e;
        if (next[e] != NIL) {
            prev[next[e]] = e;
        }
    }

    /** Remembers the furthest return any linearization reached: the best place to explain a violation. */
    private void noteReturn(int entry, long state) {
        if (entry <= furthestReturn) {
            return;
        }
        furthestReturn = entry;
        furthestState = state;
        furthestStack = java.util.Arrays.copyOf(stackOp, depth);
        List<Integer> pending = new ArrayList<>();
        for (int e = next[head]; e != NIL && e <= entry; e = next[e]) {
            if (k.entryIsCall[e]) {
                pending.add(k.entryOp[e]);
            }
        }
        furthestPending = pending.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The explanation of the furthest point reached; only meaningful after a VIOLATION. */
    Violation violation() {
        int blocked = k.entryOp[furthestReturn];
        RegisterState state = k.decode(furthestState, furthestStack, furthestStack.length);
        List<io.canopy.testcluster.history.Operation> before = new ArrayList<>();
        for (int i = Math.max(0, furthestStack.length - KEPT_PREFIX); i < furthestStack.length; i++) {
            before.add(k.ops[furthestStack[i]].source);
        }
        List<Violation.Candidate> candidates = new ArrayList<>();
        candidates.add(candidate(blocked, state));
        int idle = 0;
        for (int op : furthestPending) {
            if (op == blocked) {
                continue;
            }
            if (k.ops[op].uncertain && ZnodeModel.step(furthestState, k.ops[op]) == furthestState) {
                idle++;
            } else if (candidates.size() < MAX_CANDIDATES) {
                candidates.add(candidate(op, state));
            }
        }
        return new Violation(k.key, k.ops[blocked].source, state, before, candidates, idle);
    }

    private Violation.Candidate candidate(int op, RegisterState state) {
        ModelOp o = k.ops[op];
        long after = ZnodeModel.step(furthestState, o);
        String why;
        if (after == ZnodeModel.ILLEGAL) {
            why = ZnodeModel.whyNot(state, o);
        } else if (o.uncertain && k.previousTwin[op] >= 0) {
            why = "unknown outcome, same effect as an earlier unknown op";
        } else {
            why = "possible here, but no linearization continues from there";
        }
        return new Violation.Candidate(o.source, why);
    }

    /** How a search ended. */
    enum Outcome {
        LINEARIZABLE, VIOLATION, UNKNOWN
    }
}
