package io.canopy.node.server;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.TxnOutcome;
import io.canopy.core.txn.Txn;
import io.canopy.node.replication.TxnLog;
import io.canopy.protocol.OpCode;

/**
 * The transactions this node proposed and is waiting for, keyed by their originSeq. An outcome is delivered
 * exactly once: either apply reports it, or the log reports that it cannot tell (then {@code onFailure} runs and
 * a late outcome finds nobody waiting).
 */
final class Proposals {
    private static final Logger LOG = LoggerFactory.getLogger(Proposals.class);

    private record Waiter(Consumer<TxnOutcome> onOutcome, Runnable onFailure) {
    }

    /** At most one failure is logged per interval: a lost leader fails every request in flight at once. */
    static final long FAILURE_LOG_INTERVAL_MILLIS = 1_000;

    private final TxnLog log;
    private final LogRateLimiter failureLog;
    private final Map<Long, Waiter> waiting = new ConcurrentHashMap<>();
    private final AtomicLong originSeq;

    /** @param firstSeq unique across restarts: entries proposed before a restart may be applied after it */
    Proposals(TxnLog log, Clock clock, long firstSeq) {
        this.log = log;
        this.failureLog = new LogRateLimiter(clock, FAILURE_LOG_INTERVAL_MILLIS);
        this.originSeq = new AtomicLong(firstSeq);
    }

    long nextSeq() {
        return originSeq.incrementAndGet();
    }

    void propose(Txn txn, Consumer<TxnOutcome> onOutcome, Runnable onFailure) {
        waiting.put(txn.originSeq(), new Waiter(onOutcome, onFailure));
        try {
            log.propose(txn).whenComplete((ok, error) -> {
                if (error != null) {
                    fail(txn, error);
                }
            });
        } catch (RuntimeException e) {
            fail(txn, e);
        }
    }

    private void fail(Txn txn, Throwable error) {
        Waiter waiter = waiting.remove(txn.originSeq());
        if (waiter != null) {
            logFailure(txn, error);
            waiter.onFailure().run();
        }
    }

    /**
     * Logs a failed proposal, at most one a second with the count of those left out meanwhile: when the log
     * cannot commit, every request in flight fails (a pipelined client has hundreds), and each would say the same.
     *
     * @return whether this one was logged
     */
    boolean logFailure(Txn txn, Throwable error) {
        LogRateLimiter.Pass pass = failureLog.tryPass("");
        if (pass == null) {
            return false;
        }
        if (pass.suppressed() > 0) {
            LOG.info("Proposal of {} for session 0x{} failed: {} ({} more failed since the last one logged,"
                    + " {} ms ago)", OpCode.name(txn.type()), Long.toHexString(txn.sessionId()), error,
                    pass.suppressed(), pass.sinceMillis());
        } else {
            LOG.info("Proposal of {} for session 0x{} failed: {}", OpCode.name(txn.type()),
                    Long.toHexString(txn.sessionId()), error.toString());
        }
        return true;
    }

    /** Apply thread: hands the outcome of one of our transactions to whoever waits for it. */
    void applied(TxnOutcome outcome) {
        Waiter waiter = waiting.remove(outcome.txn().originSeq());
        if (waiter != null) {
            waiter.onOutcome().accept(outcome);
        }
    }

    /** The state was replaced: nobody can be told about outcomes any more (their connections are closed). */
    void clear() {
        waiting.clear();
    }

    int outstanding() {
        return waiting.size();
    }
}
