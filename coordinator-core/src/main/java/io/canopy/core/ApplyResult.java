package io.canopy.core;

import java.util.List;

/**
 * What applying one log entry did: one outcome per applied transaction, in log order, and what was decided about
 * each of the entry's runs (empty for an entry outside any stream). A refused or duplicate run has no outcomes.
 */
public record ApplyResult(long logIndex, List<TxnOutcome> outcomes, List<RunVerdict> verdicts) {
}
