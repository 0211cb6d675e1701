package io.canopy.node.server;

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

    private final TxnLog log;
    private final Map<Long, Waiter> waiting = new ConcurrentHashMap<>();
    private final AtomicLong originSeq;

    /** @param firstSeq unique across restarts: entries proposed before a restart may be applied after it */
    Proposals(TxnLog log, long firstSeq) {
        this.log = log;
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
            LOG.info("Proposal of {} for session 0x{} failed: {}", OpCode.name(txn.type()),
                    Long.toHexString(txn.sessionId()), error.toString());
            waiter.onFailure().run();
        }
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
