package io.canopy.testcluster.linearizability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The verdict on a whole history: the combination of the per-key verdicts (a history of independent keys
 * is linearizable if and only if each key's sub-history is).
 *
 * @param verdict      NOT_LINEARIZABLE if any key is, else UNKNOWN if any key ran out of budget
 * @param perKey       each key's verdict, keys sorted
 * @param elapsedNanos wall time of the whole check
 */
public record CheckResult(Verdict verdict, Map<String, KeyVerdict> perKey, long elapsedNanos) {

    public CheckResult {
        perKey = Collections.unmodifiableMap(perKey);
    }

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** The explanations of the non-linearizable keys. */
    public List<Violation> violations() {
        List<Violation> out = new ArrayList<>();
        for (KeyVerdict v : perKey.values()) {
            if (v.violation() != null) {
                out.add(v.violation());
            }
        }
        return out;
    }

    /** Total configurations explored over all keys. */
    public long states() {
        return perKey.values().stream().mapToLong(KeyVerdict::states).sum();
    }

    /** A verdict line per key, then the explanation of each violation: fit for an assertion message. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(verdict).append(" (").append(perKey.size()).append(" keys, ").append(states())
          .append(" states, ").append(elapsedNanos / 1_000_000).append(" ms)\n");
        for (KeyVerdict v : perKey.values()) {
            sb.append("  ").append(v).append('\n');
        }
        for (Violation v : violations()) {
            sb.append(v.describe());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
