package io.canopy.testcluster.linearizability;

/**
 * The verdict for one key.
 *
 * @param key          the znode
 * @param verdict      the answer
 * @param operations   operations recorded on the key
 * @param searched     operations the search had to place (plain failures and uncertain reads dropped)
 * @param states       distinct (linearized set, state) configurations explored
 * @param elapsedNanos time spent on this key
 * @param violation    the explanation when NOT_LINEARIZABLE, else null
 * @param note         why the answer is UNKNOWN, else null
 */
public record KeyVerdict(String key, Verdict verdict, int operations, int searched, long states,
                         long elapsedNanos, Violation violation, String note) {

    @Override
    public String toString() {
        return key + ": " + verdict + " (" + operations + " ops, " + states + " states, "
                + elapsedNanos / 1_000_000 + " ms" + (note == null ? "" : ", " + note) + ")";
    }
}
