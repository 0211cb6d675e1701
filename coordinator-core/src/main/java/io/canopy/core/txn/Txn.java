package io.canopy.core.txn;

import java.util.List;

import org.apache.zookeeper.data.Id;

/**
 * One state-changing request as it travels in the log.
 *
 * @param sessionId  the session that issued it (0 for internal commands proposed by the leader)
 * @param cxid       the client's xid, echoed in the reply
 * @param type       a ZooKeeper {@link io.canopy.protocol.OpCode} of a write, or one of {@link TxnTypes}
 * @param body       the Jute-serialised request record exactly as the client sent it (or the internal body)
 * @param identities the authenticated identities of the issuing connection at submission time (ip, digest,
 *                   super); ACL checks at apply time use these, so that apply is deterministic everywhere
 * @param originNode the node id that proposed it; only that node replies to the client
 * @param originSeq  a number unique per origin node, to match the applied outcome with the waiting request
 */
public record Txn(long sessionId, int cxid, int type, byte[] body, List<Id> identities, int originNode,
                  long originSeq) {
}
