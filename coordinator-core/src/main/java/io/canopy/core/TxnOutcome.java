package io.canopy.core;

import java.util.List;

import org.apache.jute.Record;

import io.canopy.core.txn.Txn;
import io.canopy.core.watch.WatchTrigger;

/**
 * The result of applying one transaction.
 *
 * @param txn             the transaction
 * @param zxid            the zxid assigned to it (also when it failed: the reply header carries it)
 * @param err             a ZooKeeper error code, 0 on success; the value for the reply header. A multi always has
 *                        0 here, as in ZooKeeper: its per-op errors are in the {@code MultiResponse} (earlier ops
 *                        OK, the failing op its code, later ops RUNTIMEINCONSISTENCY)
 * @param response        the reply body (CreateResponse, Create2Response, SetDataResponse, multi results ...), or
 *                        null when the reply has no body
 * @param triggers        the watch triggers it fired, in order (none when it failed); the node turns them into
 *                        events with {@code WatchRegistry.trigger}
 * @param closedSessionId the session that this transaction closed (closeSession/expiry), or 0
 * @param quotaWarnings   "Quota exceeded" messages of its quota checks (soft limits passed, or the hard limit that
 *                        failed it), as ZooKeeper logs them; empty unless quotas are enforced. The core does not
 *                        log: the node decides whether and how often to
 */
public record TxnOutcome(Txn txn, long zxid, int err, Record response, List<WatchTrigger> triggers,
                         long closedSessionId, List<String> quotaWarnings) {
}
