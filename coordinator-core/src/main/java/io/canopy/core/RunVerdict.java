package io.canopy.core;

import io.canopy.core.txn.Run;

/**
 * What apply decided about one run of an entry.
 *
 * @param run           the run
 * @param decision      whether its transactions were applied
 * @param currentStream the origin's stream in the state after the decision (0: none yet): a node whose run was
 *                      refused for an old stream starts its next one above this
 */
public record RunVerdict(Run run, Decision decision, long currentStream) {

    public enum Decision {
        /** It continued its stream: its transactions were applied. */
        ADMITTED,
        /** Its transactions were applied before (a run sent twice): skipped, without outcomes. */
        DUPLICATE,
        /**
         * It does not continue its stream (an earlier run of it was lost, or the stream was replaced by a newer
         * one): skipped, without outcomes. Its node fails the transactions and starts a new stream.
         */
        REFUSED
    }

    /** Whether the run's transactions are in the state (applied now or before). */
    public boolean applied() {
        return decision != Decision.REFUSED;
    }
}
