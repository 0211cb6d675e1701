package io.canopy.core;

import java.util.List;

/** What applying one log entry did: one outcome per transaction, in log order. */
public record ApplyResult(long logIndex, List<TxnOutcome> outcomes) {
}
