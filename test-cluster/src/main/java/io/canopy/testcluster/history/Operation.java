package io.canopy.testcluster.history;

import java.util.Objects;

/**
 * An immutable snapshot of one recorded operation: who, what, when and how it ended.
 *
 * @param id             rank of the invocation in the history (unique, increasing with invokeNanos)
 * @param clientId       the client (session) that issued it
 * @param op             the operation and its arguments
 * @param invokeNanos    {@link System#nanoTime()} (or the history's clock) just before the call was issued
 * @param completeNanos  the clock when the answer arrived; -1 while PENDING or for INFO (never returned)
 * @param outcome        how it ended
 * @param result         the answer for OK, else null
 * @param error          the checked refusal for FAIL, or null (a FAIL without error is simply dropped)
 */
public record Operation(long id, String clientId, Op op, long invokeNanos, long completeNanos,
                        Outcome outcome, Result result, ZkError error) {

    public Operation {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(outcome, "outcome");
    }

    public String key() {
        return op.key();
    }

    /** True if the operation may or may not have taken effect (INFO, or never completed). */
    public boolean isUncertain() {
        return outcome == Outcome.INFO || outcome == Outcome.PENDING;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append('#').append(id).append(' ').append(clientId).append(' ').append(op).append(' ');
        switch (outcome) {
            case OK:
                sb.append("ok ").append(result);
                break;
            case FAIL:
                sb.append("fail").append(error == null ? "" : " " + error);
                break;
            default:
                sb.append(outcome.name().toLowerCase(java.util.Locale.ROOT));
        }
        sb.append(" [").append(invokeNanos).append(", ")
          .append(completeNanos < 0 ? "open" : Long.toString(completeNanos)).append(']');
        return sb.toString();
    }
}
