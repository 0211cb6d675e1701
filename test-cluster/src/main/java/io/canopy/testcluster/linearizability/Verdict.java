package io.canopy.testcluster.linearizability;

/** The answer of a check, for one key or for a whole history. */
public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search budget (states or time) ran out before an answer. */
    UNKNOWN;

    /** Combines per-key verdicts: any violation wins, then any unknown. */
    static Verdict combine(Verdict a, Verdict b) {
        if (a == NOT_LINEARIZABLE || b == NOT_LINEARIZABLE) {
            return NOT_LINEARIZABLE;
        }
        return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : LINEARIZABLE;
    }
}
