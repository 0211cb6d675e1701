package io.canopy.core.txn;

/**
 * A run of consecutive transactions of one node's stream, as they travel in a log entry. Every node numbers the
 * transactions it proposes within a stream ({@code 1, 2, 3 ...}); the leader puts the runs of every node into its
 * entries, and apply admits a run only if it continues its node's stream where the log left it (see
 * {@code StreamTable}). A lost run thus stops its stream: nothing a node proposed after a transaction the log
 * lost is ever applied, so each session's writes that reach the state are a prefix of what it sent.
 *
 * @param origin   the node that proposed the transactions
 * @param stream   the node's stream, positive; a node starts a new, larger one when it loses track of a run
 * @param firstSeq the number of the run's first transaction in its stream, from 1
 * @param count    how many transactions, at least one
 */
public record Run(int origin, long stream, long firstSeq, int count) {
    public Run {
        if (stream <= 0 || firstSeq <= 0 || count <= 0 || firstSeq > Long.MAX_VALUE - count + 1) {
            throw new IllegalArgumentException("bad run: stream " + stream + ", first " + firstSeq + ", count "
                    + count);
        }
    }

    /** The number of the run's last transaction. */
    public long lastSeq() {
        return firstSeq + count - 1;
    }
}
