package io.canopy.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataResponse;

import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.core.watch.WatchTrigger;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.MultiResponse;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.Requests;
import io.canopy.protocol.ZkConstants.EphemeralOwner;
import io.canopy.protocol.ZkConstants.EventType;

/**
 * Applies one transaction: decodes its body, runs it, and shapes the outcome as ZooKeeper's
 * FinalRequestProcessor shapes the reply (response record per opcode; multi replies with err 0 and per-op
 * results). Failures are outcomes; a failed transaction changes nothing.
 */
final class TxnApplier {
    private final DataTree tree;
    private final SessionTable sessions;
    private final WriteOps ops;

    TxnApplier(DataTree tree, SessionTable sessions, CoreSettings settings) {
        this.tree = tree;
        this.sessions = sessions;
        this.ops = new WriteOps(tree, sessions, settings);
    }

    TxnOutcome apply(Txn txn, long zxid, long time, boolean enforceQuota) {
        List<Id> ids = txn.identities() == null ? List.of() : txn.identities();
        WriteOps.Ctx c = new WriteOps.Ctx(txn.sessionId(), txn.originNode(), ids, zxid, time, new ArrayList<>(),
                enforceQuota, new ArrayList<>(0));
        try {
            return switch (txn.type()) {
                case OpCode.CREATE_SESSION -> createSession(txn, c);
                case OpCode.CLOSE_SESSION -> closeSession(txn, c);
                case TxnTypes.REAP -> reap(txn, c);
                case TxnTypes.SET_CONFIG -> setConfig(txn, c);
                case TxnTypes.MOVE_SESSION -> moveSession(txn, c);
                case TxnTypes.BARRIER -> ok(txn, c, null);
                case OpCode.MULTI -> multi(txn, c);
                case OpCode.RECONFIG -> fail(txn, c, ErrorCode.RECONFIGDISABLED);
                case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL, OpCode.DELETE,
                     OpCode.SET_DATA, OpCode.SET_ACL, OpCode.CHECK -> single(txn, c);
                default -> fail(txn, c, ErrorCode.UNIMPLEMENTED);
            };
        } catch (ZkError e) {
            return fail(txn, c, e.code);
        }
    }

    private static TxnOutcome fail(Txn txn, WriteOps.Ctx c, ErrorCode code) {
        return new TxnOutcome(txn, c.zxid(), code.code(), null, List.of(), 0, warnings(c));
    }

    private static TxnOutcome ok(Txn txn, WriteOps.Ctx c, Record response) {
        return new TxnOutcome(txn, c.zxid(), 0, response, List.copyOf(c.triggers()), 0, warnings(c));
    }

    private static List<String> warnings(WriteOps.Ctx c) {
        return c.quotaWarnings().isEmpty() ? List.of() : List.copyOf(c.quotaWarnings());
    }

    private static Record decode(Txn txn) {
        try {
            return Requests.decode(txn.type(), txn.body());
        } catch (IOException e) {
            throw ZkError.of(ErrorCode.MARSHALLINGERROR);
        }
    }

    private TxnOutcome single(Txn txn, WriteOps.Ctx c) {
        Record request = decode(txn);
        if (txn.type() == OpCode.SET_ACL) {
            return ok(txn, c, ops.setAcl(c, (SetACLRequest) request));
        }
        MultiResponse.Result r = ops.run(c, txn.type(), request);
        Record response = r.body();
        if (txn.type() == OpCode.CHECK) {
            DataNode n = tree.get(((CheckVersionRequest) request).getPath());
            response = new SetDataResponse(n.stat());
        }
        return ok(txn, c, response);
    }

    /** All or nothing: on the first failing op everything done so far is undone and no trigger fires. */
    private TxnOutcome multi(Txn txn, WriteOps.Ctx c) {
        Record decoded = decode(txn);
        if (!(decoded instanceof MultiRequest multi) || !multi.isAllWrites()) {
            throw ZkError.of(ErrorCode.MARSHALLINGERROR);
        }
        List<MultiResponse.Result> results = new ArrayList<>();
        tree.beginUndo();
        int i = 0;
        try {
            for (MultiRequest.Op op : multi.ops()) {
                results.add(ops.run(c, op.type(), op.request()));
                i++;
            }
        } catch (ZkError e) {
            tree.rollback();
            c.triggers().clear();
            MultiResponse failed = new MultiResponse(WriteOps.failedResults(multi.ops().size(), i, e.code.code()));
            return new TxnOutcome(txn, c.zxid(), 0, failed, List.of(), 0, warnings(c));
        } catch (RuntimeException e) {
            tree.rollback();
            throw e;
        }
        tree.commitUndo();
        return ok(txn, c, new MultiResponse(results));
    }

    private TxnOutcome createSession(Txn txn, WriteOps.Ctx c) {
        InternalBodies.CreateSession body;
        try {
            body = InternalBodies.decodeCreateSession(txn.body() == null ? new byte[0] : txn.body());
        } catch (IllegalArgumentException e) {
            throw ZkError.of(ErrorCode.MARSHALLINGERROR);
        }
        if (!SessionTable.isUsableId(txn.sessionId()) || sessions.contains(txn.sessionId())
                || body.timeoutMillis() <= 0) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
        sessions.put(new SessionTable.Session(txn.sessionId(), body.timeoutMillis(), body.password(),
                txn.originNode()));
        return ok(txn, c, null);
    }

    /**
     * The session's client now talks to the proposing node: it becomes the owner, and the session takes the
     * timeout the client negotiated when it resumed, if the body carries one.
     */
    private TxnOutcome moveSession(Txn txn, WriteOps.Ctx c) {
        int timeout;
        try {
            timeout = InternalBodies.decodeMoveSession(txn.body());
        } catch (IllegalArgumentException e) {
            throw ZkError.of(ErrorCode.MARSHALLINGERROR);
        }
        SessionTable.Session s = sessions.get(txn.sessionId());
        if (s == null) {
            throw ZkError.of(ErrorCode.SESSIONEXPIRED);
        }
        sessions.put(new SessionTable.Session(s.id(), timeout == 0 ? s.timeoutMillis() : timeout, s.password(),
                txn.originNode()));
        return ok(txn, c, null);
    }

    /** Removes the session's ephemerals in path order, firing their triggers, then the session. */
    private TxnOutcome closeSession(Txn txn, WriteOps.Ctx c) {
        long id = txn.sessionId();
        if (!sessions.contains(id)) {
            return ok(txn, c, null);
        }
        for (String path : new ArrayList<>(tree.ephemerals(id))) {
            ops.deleteNode(c, path);
        }
        sessions.remove(id);
        return new TxnOutcome(txn, c.zxid(), 0, null, List.copyOf(c.triggers()), id, List.of());
    }

    private TxnOutcome reap(Txn txn, WriteOps.Ctx c) {
        List<String> paths;
        try {
            paths = InternalBodies.decodeReap(txn.body() == null ? new byte[0] : txn.body());
        } catch (IllegalArgumentException e) {
            throw ZkError.of(ErrorCode.MARSHALLINGERROR);
        }
        for (String path : paths) {
            if (isReapable(tree.get(path), c.time())) {
                ops.deleteNode(c, path);
            }
        }
        return ok(txn, c, null);
    }

    /**
     * ZooKeeper's ContainerManager rule: an empty container that has had children (stored cversion > 0), or a
     * childless TTL node not modified for longer than its TTL.
     */
    static boolean isReapable(DataNode n, long now) {
        if (n == null || n.numChildren() > 0) {
            return false;
        }
        long owner = n.ephemeralOwner();
        if (EphemeralOwner.isContainer(owner)) {
            return n.rawCversion() > 0;
        }
        if (EphemeralOwner.isTtl(owner)) {
            long ttl = EphemeralOwner.ttlOf(owner);
            return ttl != 0 && now - n.mtime() > ttl;
        }
        return false;
    }

    /**
     * As ZooKeeper's reconfig: /zookeeper/config gets the membership text, data version -1. The body holds only the
     * {@code server.N=...} lines; the config's version is the zxid of the transaction that writes it, as in
     * ZooKeeper, so apply appends {@code version=<hex zxid>} (a pure function of the log position). A body whose
     * server lines equal the current ones changes nothing (no mzxid change, no watch event): a reconfig that keeps
     * the membership, or two nodes publishing the same membership. The reply is the node's data and stat, what
     * reconfig answers. A body that carries its own version line was written before versions were stamped at
     * apply; it is stored as it is, as it was then, so that replaying an old log gives the same tree.
     */
    private TxnOutcome setConfig(Txn txn, WriteOps.Ctx c) {
        byte[] body = txn.body() == null ? new byte[0] : txn.body();
        String text = new String(body, StandardCharsets.UTF_8);
        byte[] data;
        if (InternalBodies.configVersionLine(text) != null) {
            data = body.clone();
        } else {
            List<String> lines = InternalBodies.configServerLines(text);
            DataNode current = tree.get(DataTree.CONFIG);
            if (current != null && lines.equals(InternalBodies.configServerLines(
                    new String(current.data(), StandardCharsets.UTF_8)))) {
                return ok(txn, c, new GetDataResponse(current.data(), current.stat()));
            }
            StringBuilder sb = new StringBuilder();
            for (String line : lines) {
                sb.append(line).append('\n');
            }
            data = sb.append("version=").append(Long.toHexString(c.zxid())).toString()
                    .getBytes(StandardCharsets.UTF_8);
        }
        // Version -1, as ZooKeeper writes the config node (ZKDatabase.initConfigInZKDatabase, reconfig).
        DataNode n = tree.setData(DataTree.CONFIG, data, -1, c.zxid(), c.time());
        c.triggers().add(new WatchTrigger(DataTree.CONFIG, EventType.NODE_DATA_CHANGED, c.zxid(), n.acl()));
        return ok(txn, c, new GetDataResponse(n.data(), n.stat()));
    }
}
