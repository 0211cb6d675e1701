package io.canopy.core;

import java.util.ArrayList;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.SetDataRequest;

import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Txn;
import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;

/** Drives a CoordinatorState one txn per log entry, with a controllable clock. */
final class Harness {
    static final List<ACL> OPEN = DataTree.OPEN_ACL;
    final CoordinatorState state;
    long index;
    long time = 1_000_000L;
    List<Id> ids = List.of();
    /** The node that proposes the next transactions. */
    int origin = 1;
    /** Whether the next entries enforce quotas (the leader's stamp). */
    boolean enforceQuota;

    Harness() {
        this(CoreSettings.defaults());
    }

    Harness(CoreSettings settings) {
        state = new CoordinatorState(settings);
    }

    TxnOutcome apply(long session, int type, byte[] body) {
        Txn txn = new Txn(session, 1, type, body, ids, origin, index);
        ApplyResult r = state.apply(++index, new Batch(time, List.of(txn), enforceQuota));
        state.checkInvariants();
        return r.outcomes().get(0);
    }

    TxnOutcome apply(long session, int type, Record request) {
        return apply(session, type, Jute.toBytes(request));
    }

    TxnOutcome openSession(long id) {
        return apply(id, OpCode.CREATE_SESSION, InternalBodies.createSession(30000, new byte[16]));
    }

    TxnOutcome closeSession(long id) {
        return apply(id, OpCode.CLOSE_SESSION, new byte[0]);
    }

    TxnOutcome create(long session, String path, String data, int flags) {
        return apply(session, OpCode.CREATE2,
                new CreateRequest(path, data == null ? null : data.getBytes(), new ArrayList<>(OPEN), flags));
    }

    TxnOutcome delete(long session, String path, int version) {
        return apply(session, OpCode.DELETE, new DeleteRequest(path, version));
    }

    TxnOutcome setData(long session, String path, String data, int version) {
        return apply(session, OpCode.SET_DATA, new SetDataRequest(path, data.getBytes(), version));
    }

    Stat stat(String path) {
        return state.view().stat(path);
    }

    ReadOutcome exists(String path, boolean watch) {
        return state.read(1, ids, OpCode.EXISTS, new ExistsRequest(path, watch));
    }

    static long zxid(long index) {
        return CoordinatorState.zxid(index, 0);
    }
}
