package io.canopy.node.server;

import java.util.List;

import org.apache.zookeeper.data.Id;

import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.protocol.OpCode;

/**
 * The transactions the server proposes on its own account. Bodies are encoded by the core's
 * {@link InternalBodies}, the one definition apply decodes; closeSession's body is empty, as the client sends it.
 */
final class InternalTxns {
    private InternalTxns() {
    }

    static Txn createSession(long sessionId, int timeoutMillis, byte[] password, List<Id> identities, int nodeId,
                             long originSeq) {
        return new Txn(sessionId, 0, OpCode.CREATE_SESSION,
                InternalBodies.createSession(sessionId, timeoutMillis, password), identities, nodeId, originSeq);
    }

    /** The leader's expiry of a session. */
    static Txn expireSession(long sessionId, int nodeId, long originSeq) {
        return new Txn(sessionId, 0, OpCode.CLOSE_SESSION, new byte[0], List.of(), nodeId, originSeq);
    }

    /** /zookeeper/config to the given server lines (no version line: apply stamps its zxid as the version). */
    static Txn setConfig(String text, int nodeId, long originSeq) {
        return new Txn(0, 0, TxnTypes.SET_CONFIG, InternalBodies.setConfig(text), List.of(), nodeId, originSeq);
    }

    static Txn reap(List<String> paths, int nodeId, long originSeq) {
        return new Txn(0, 0, TxnTypes.REAP, InternalBodies.reap(paths), List.of(), nodeId, originSeq);
    }
}
