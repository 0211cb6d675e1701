package io.canopy.core;

import java.util.ArrayList;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetACLResponse;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetDataResponse;

import io.canopy.core.acl.AclChecker;
import io.canopy.core.acl.AclFixup;
import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.tree.QuotaPaths;
import io.canopy.core.tree.QuotaStats;
import io.canopy.core.watch.WatchTrigger;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiResponse;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.PathValidator;
import io.canopy.protocol.ZkConstants.CreateFlags;
import io.canopy.protocol.ZkConstants.EphemeralOwner;
import io.canopy.protocol.ZkConstants.EventType;
import io.canopy.protocol.ZkConstants.Perms;

/**
 * The znode write operations with ZooKeeper 3.9's checks in PrepRequestProcessor's order (so that the same bad
 * request yields the same error code) and DataTree's effects. Each op validates completely before it mutates;
 * a failing op throws {@link ZkError} having changed nothing.
 */
final class WriteOps {
    private final DataTree tree;
    private final SessionTable sessions;
    private final CoreSettings settings;

    WriteOps(DataTree tree, SessionTable sessions, CoreSettings settings) {
        this.tree = tree;
        this.sessions = sessions;
        this.settings = settings;
    }

    /**
     * The context of the transaction being applied.
     *
     * @param enforceQuota  whether quota limits are checked (stamped into the log entry by the leader)
     * @param quotaWarnings the "Quota exceeded" messages of the checks so far, for the node to log
     */
    record Ctx(long sessionId, int originNode, List<Id> ids, long zxid, long time, List<WatchTrigger> triggers,
               boolean enforceQuota, List<String> quotaWarnings) {
    }

    /** Runs one write op; returns its multi result (the single-op reply is derived from it). */
    MultiResponse.Result run(Ctx c, int type, Record request) {
        return switch (type) {
            case OpCode.CREATE, OpCode.CREATE2, OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL -> create(c, type, request);
            case OpCode.DELETE -> delete(c, (DeleteRequest) request);
            case OpCode.SET_DATA -> setData(c, (SetDataRequest) request);
            case OpCode.CHECK -> check(c, (CheckVersionRequest) request);
            default -> throw ZkError.of(ErrorCode.UNIMPLEMENTED);
        };
    }

    private void checkSession(Ctx c) {
        if (!sessions.contains(c.sessionId())) {
            throw ZkError.of(ErrorCode.SESSIONEXPIRED);
        }
        if (!sessions.ownedBy(c.sessionId(), c.originNode())) {
            // Proposed by a node the client has left (ZooKeeper's SessionMovedException).
            throw ZkError.of(ErrorCode.SESSIONMOVED);
        }
    }

    private void checkAcl(List<ACL> acl, int perm, Ctx c) {
        if (!AclChecker.allowed(acl, perm, c.ids(), settings)) {
            throw ZkError.of(ErrorCode.NOAUTH);
        }
    }

    private static void validatePath(String path) {
        if (!PathValidator.isValid(path)) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
    }

    private DataNode node(String path) {
        DataNode n = tree.get(path);
        if (n == null) {
            throw ZkError.of(ErrorCode.NONODE);
        }
        return n;
    }

    /** ZooKeeper's checkAndIncVersion: -1 matches any version; the next version skips -1 on overflow. */
    static int checkAndIncVersion(int current, int expected) {
        if (expected != -1 && expected != current) {
            throw ZkError.of(ErrorCode.BADVERSION);
        }
        int next = current + 1;
        return next == -1 ? 0 : next;
    }

    private MultiResponse.Result create(Ctx c, int type, Record request) {
        String path;
        byte[] data;
        List<ACL> acl;
        int flags;
        long ttl = -1;
        if (request instanceof CreateTTLRequest r) {
            path = r.getPath();
            data = r.getData();
            acl = r.getAcl();
            flags = r.getFlags();
            ttl = r.getTtl();
        } else {
            CreateRequest r = (CreateRequest) request;
            path = r.getPath();
            data = r.getData();
            acl = r.getAcl();
            flags = r.getFlags();
        }
        validateMode(type, flags, ttl);
        checkSession(c);
        if (path == null || path.lastIndexOf('/') < 0 || path.indexOf('\0') >= 0) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
        List<ACL> fixed = AclFixup.fixup(acl, c.ids());
        if (fixed == null) {
            throw ZkError.of(ErrorCode.INVALIDACL);
        }
        String parentPath = DataTree.parentOf(path);
        DataNode parent = node(parentPath);
        checkAcl(parent.acl(), Perms.CREATE, c);
        if (CreateFlags.isSequential(flags)) {
            path = path + sequenceSuffix(parent.rawCversion());
        }
        validatePath(path);
        if (tree.get(path) != null) {
            throw ZkError.of(ErrorCode.NODEEXISTS);
        }
        if (EphemeralOwner.isSession(parent.ephemeralOwner())) {
            throw ZkError.of(ErrorCode.NOCHILDRENFOREPHEMERALS);
        }
        checkQuota(c, path, data == null ? 0 : data.length, 1);
        long owner = switch (type) {
            case OpCode.CREATE_CONTAINER -> EphemeralOwner.CONTAINER;
            case OpCode.CREATE_TTL -> EphemeralOwner.ttl(ttl);
            default -> CreateFlags.isEphemeral(flags) ? c.sessionId() : 0;
        };
        DataNode n = tree.create(path, data, fixed, owner, c.zxid(), c.time());
        c.triggers().add(new WatchTrigger(path, EventType.NODE_CREATED, c.zxid(), n.acl()));
        c.triggers().add(new WatchTrigger(parentPath, EventType.NODE_CHILDREN_CHANGED, c.zxid(), parent.acl()));
        if (type == OpCode.CREATE) {
            return new MultiResponse.Result(OpCode.CREATE, new CreateResponse(path));
        }
        Stat stat = n.stat();
        if (QuotaPaths.rootOfStatNode(path) != null) {
            // ZooKeeper copies the new node's stat before it fills in the quota's statistics
            stat.setDataLength(data == null ? 0 : data.length);
        }
        return new MultiResponse.Result(OpCode.CREATE2, new Create2Response(path, stat));
    }

    /** CreateMode.fromFlag and EphemeralType.validateTTL; createTTL must carry a TTL mode. */
    private static void validateMode(int type, int flags, long ttl) {
        if (!CreateFlags.isValid(flags)) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
        boolean ttlMode = CreateFlags.isTtl(flags);
        boolean badTtl = ttlMode ? ttl <= 0 || ttl > EphemeralOwner.MAX_TTL : ttl >= 0;
        if (badTtl || (type == OpCode.CREATE_TTL) != ttlMode) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
    }

    private MultiResponse.Result delete(Ctx c, DeleteRequest r) {
        checkSession(c);
        String path = r.getPath();
        if (path == null || path.lastIndexOf('/') < 0 || path.indexOf('\0') >= 0 || DataTree.isSpecial(path)) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
        String parentPath = DataTree.parentOf(path);
        DataNode parent = node(parentPath);
        checkAcl(parent.acl(), Perms.DELETE, c);
        DataNode n = node(path);
        checkAndIncVersion(n.version(), r.getVersion());
        if (n.numChildren() > 0) {
            throw ZkError.of(ErrorCode.NOTEMPTY);
        }
        deleteNode(c, path);
        return new MultiResponse.Result(OpCode.DELETE, null);
    }

    /** Removes a childless node and records its two triggers (also used by closeSession and REAP). */
    void deleteNode(Ctx c, String path) {
        String parentPath = DataTree.parentOf(path);
        DataNode parent = tree.get(parentPath);
        DataNode n = tree.delete(path, c.zxid());
        c.triggers().add(new WatchTrigger(path, EventType.NODE_DELETED, c.zxid(), n.acl()));
        c.triggers().add(new WatchTrigger(parentPath, EventType.NODE_CHILDREN_CHANGED, c.zxid(), parent.acl()));
    }

    private MultiResponse.Result setData(Ctx c, SetDataRequest r) {
        checkSession(c);
        validatePath(r.getPath());
        DataNode n = node(r.getPath());
        checkAcl(n.acl(), Perms.WRITE, c);
        checkQuota(c, r.getPath(), (long) (r.getData() == null ? 0 : r.getData().length)
                - (n.data() == null ? 0 : n.data().length), 0);
        int version = checkAndIncVersion(n.version(), r.getVersion());
        tree.setData(r.getPath(), r.getData(), version, c.zxid(), c.time());
        c.triggers().add(new WatchTrigger(r.getPath(), EventType.NODE_DATA_CHANGED, c.zxid(), n.acl()));
        return new MultiResponse.Result(OpCode.SET_DATA, new SetDataResponse(n.stat()));
    }

    /**
     * ZooKeeper's checkQuota, when the entry says quotas are enforced: a change of {@code countDiff} nodes and
     * {@code bytesDiff} bytes at {@code path} is measured against the deepest quota that holds it. Over a hard
     * limit it fails with QUOTAEXCEEDED; over a soft limit (checked only when that quantity has no hard limit, as
     * in ZooKeeper) it goes ahead with a warning. Unlike ZooKeeper, which checks against the last applied state,
     * the statistics include the earlier ops of the same multi and every earlier write, so concurrent or batched
     * writes cannot overshoot a hard limit together.
     */
    private void checkQuota(Ctx c, String path, long bytesDiff, long countDiff) {
        if (!c.enforceQuota()) {
            return;
        }
        String root = tree.quotaRootOf(path);
        DataNode limitNode = root == null ? null : tree.get(QuotaPaths.limitPath(root));
        if (limitNode == null) {
            return;
        }
        QuotaStats limits = QuotaStats.parse(limitNode.data());
        boolean checkCount = countDiff != 0 && (limits.count() > -1 || limits.countHardLimit() > -1);
        boolean checkBytes = bytesDiff != 0 && (limits.bytes() > -1 || limits.byteHardLimit() > -1);
        DataNode statNode = checkCount || checkBytes ? tree.get(QuotaPaths.statPath(root)) : null;
        if (statNode == null) {
            return;
        }
        QuotaStats current = QuotaStats.parse(statNode.data());
        if (checkCount) {
            checkLimit(c, root, "count", "CountLimit", current.count() + countDiff, limits.countHardLimit(),
                    limits.count());
        }
        if (checkBytes) {
            checkLimit(c, root, "bytes", "ByteLimit", current.bytes() + bytesDiff, limits.byteHardLimit(),
                    limits.bytes());
        }
    }

    private static void checkLimit(Ctx c, String root, String what, String limitName, long next, long hard,
                                   long soft) {
        boolean isHard = hard > -1;
        long limit = isHard ? hard : soft;
        if (next > limit) {
            c.quotaWarnings().add("Quota exceeded: " + root + " [current " + what + "=" + next + ", "
                    + (isHard ? "hard" : "soft") + limitName + "=" + limit + "]");
            if (isHard) {
                throw ZkError.of(ErrorCode.QUOTAEXCEEDED);
            }
        }
    }

    SetACLResponse setAcl(Ctx c, SetACLRequest r) {
        checkSession(c);
        validatePath(r.getPath());
        List<ACL> fixed = AclFixup.fixup(r.getAcl(), c.ids());
        if (fixed == null) {
            throw ZkError.of(ErrorCode.INVALIDACL);
        }
        DataNode n = node(r.getPath());
        checkAcl(n.acl(), Perms.ADMIN, c);
        int aversion = checkAndIncVersion(n.aversion(), r.getVersion());
        tree.setAcl(r.getPath(), fixed, aversion);
        return new SetACLResponse(n.stat());
    }

    private MultiResponse.Result check(Ctx c, CheckVersionRequest r) {
        checkSession(c);
        validatePath(r.getPath());
        DataNode n = node(r.getPath());
        checkAcl(n.acl(), Perms.READ, c);
        checkAndIncVersion(n.version(), r.getVersion());
        return new MultiResponse.Result(OpCode.CHECK, null);
    }

    /** The multi result list when op {@code failed} failed with {@code err}: OK before, -2 after. */
    static List<MultiResponse.Result> failedResults(int size, int failed, int err) {
        List<MultiResponse.Result> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int code = i < failed ? ErrorCode.OK.code()
                    : i == failed ? err : ErrorCode.RUNTIMEINCONSISTENCY.code();
            out.add(MultiResponse.Result.error(code));
        }
        return out;
    }

    /**
     * The suffix of a sequential node: the parent's child counter as ZooKeeper prints it, {@code "%010d"} (ten
     * digits, zero-padded; a counter that wrapped negative keeps its sign within the ten characters). Written out
     * by hand: {@code String.format} was the largest cost of a sequential create on the apply thread (parsing the
     * pattern on every call): 1-2 % of the node's CPU during session churn, and the serial apply thread held back
     * the benchmark's sequential creates (27-35k against 32-37k ops/s without it).
     */
    static String sequenceSuffix(int counter) {
        String digits = Long.toString(Math.abs((long) counter));
        int width = counter < 0 ? 9 : 10;
        StringBuilder b = new StringBuilder(11);
        if (counter < 0) {
            b.append('-');
        }
        for (int i = digits.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(digits).toString();
    }
}
