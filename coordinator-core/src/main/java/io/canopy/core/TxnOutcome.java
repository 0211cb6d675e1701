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
 * @param err             a ZooKeeper error code, 0 on success
 * @param response        the reply body (CreateResponse, Create2Response, SetDataResponse, multi results ...), or
 *                        null when the reply has no body
 * @param triggers        the watch triggers it fired, in order; the node turns them into events
 * @param closedSessionId the session that this transaction closed (closeSession/expiry), or 0
 */
public record TxnOutcome(Txn txn, long zxid, int err, Record response, List<WatchTrigger> triggers,
                         long closedSessionId) {
}
