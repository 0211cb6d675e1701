package io.canopy.core;

import java.util.ArrayList;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.ExistsResponse;
import org.apache.zookeeper.proto.GetACLRequest;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetAllChildrenNumberRequest;
import org.apache.zookeeper.proto.GetAllChildrenNumberResponse;
import org.apache.zookeeper.proto.GetChildren2Request;
import org.apache.zookeeper.proto.GetChildren2Response;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.GetEphemeralsRequest;
import org.apache.zookeeper.proto.GetEphemeralsResponse;
import org.apache.zookeeper.proto.SyncRequest;
import org.apache.zookeeper.proto.SyncResponse;
import org.apache.zookeeper.proto.WhoAmIResponse;

import io.canopy.core.acl.AclChecker;
import io.canopy.core.acl.Authentication;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.watch.WatchRegistration;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.MultiResponse;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.Perms;

/**
 * The local reads, as ZooKeeper's FinalRequestProcessor serves them: no path validation beyond what ZooKeeper
 * does (unknown paths are simply NONODE), ACL checks per op, and a watch exactly when ZooKeeper would add one.
 */
final class ReadOps {
    private final DataTree tree;
    private final CoreSettings settings;

    ReadOps(DataTree tree, CoreSettings settings) {
        this.tree = tree;
        this.settings = settings;
    }

    ReadOutcome read(long sessionId, List<Id> identities, int opCode, Record request) {
        List<Id> ids = identities == null ? List.of() : identities;
        try {
            return switch (opCode) {
                case OpCode.EXISTS -> exists((ExistsRequest) request, ids);
                case OpCode.GET_DATA -> getData((GetDataRequest) request, ids);
                case OpCode.GET_CHILDREN -> getChildren((GetChildrenRequest) request, ids);
                case OpCode.GET_CHILDREN2 -> getChildren2((GetChildren2Request) request, ids);
                case OpCode.GET_ACL -> getAcl((GetACLRequest) request, ids);
                case OpCode.GET_ALL_CHILDREN_NUMBER -> allChildren((GetAllChildrenNumberRequest) request, ids);
                case OpCode.GET_EPHEMERALS -> ephemerals(sessionId, (GetEphemeralsRequest) request);
                case OpCode.MULTI_READ -> multiRead((MultiRequest) request, ids);
                case OpCode.WHO_AM_I -> ok(new WhoAmIResponse(Authentication.clientInfos(ids)));
                case OpCode.SYNC -> ok(new SyncResponse(((SyncRequest) request).getPath()));
                default -> new ReadOutcome(ErrorCode.UNIMPLEMENTED.code(), null, null);
            };
        } catch (ZkError e) {
            return new ReadOutcome(e.code.code(), null, null);
        } catch (ClassCastException | NullPointerException e) {
            return new ReadOutcome(ErrorCode.MARSHALLINGERROR.code(), null, null);
        }
    }

    private static ReadOutcome ok(Record r) {
        return new ReadOutcome(0, r, null);
    }

    private DataNode node(String path) {
        DataNode n = tree.get(path);
        if (n == null) {
            throw ZkError.of(ErrorCode.NONODE);
        }
        return n;
    }

    private void check(DataNode n, int perm, List<Id> ids) {
        if (!AclChecker.allowed(n.acl(), perm, ids, settings)) {
            throw ZkError.of(ErrorCode.NOAUTH);
        }
    }

    /** exists registers its watch even when the node is absent (that is how a client waits for a create). */
    /** ZooKeeper 3.9 checks READ on an existing node (a denied exists sets no watch); a missing node just says so. */
    private ReadOutcome exists(ExistsRequest r, List<Id> ids) {
        String path = r.getPath();
        if (path == null || path.indexOf('\0') >= 0) {
            throw ZkError.of(ErrorCode.BADARGUMENTS);
        }
        WatchRegistration watch = r.getWatch() ? new WatchRegistration(path, false) : null;
        DataNode n = tree.get(path);
        if (n == null) {
            return new ReadOutcome(ErrorCode.NONODE.code(), null, watch);
        }
        check(n, Perms.READ, ids);
        return new ReadOutcome(0, new ExistsResponse(n.stat()), watch);
    }

    private GetDataResponse data(String path, List<Id> ids) {
        DataNode n = node(path);
        check(n, Perms.READ, ids);
        return new GetDataResponse(n.data(), n.stat());
    }

    private ReadOutcome getData(GetDataRequest r, List<Id> ids) {
        GetDataResponse resp = data(r.getPath(), ids);
        return new ReadOutcome(0, resp, r.getWatch() ? new WatchRegistration(r.getPath(), false) : null);
    }

    private List<String> children(String path, List<Id> ids) {
        DataNode n = node(path);
        check(n, Perms.READ, ids);
        return new ArrayList<>(n.children());
    }

    private ReadOutcome getChildren(GetChildrenRequest r, List<Id> ids) {
        List<String> c = children(r.getPath(), ids);
        return new ReadOutcome(0, new GetChildrenResponse(c), r.getWatch() ? new WatchRegistration(r.getPath(), true) : null);
    }

    private ReadOutcome getChildren2(GetChildren2Request r, List<Id> ids) {
        List<String> c = children(r.getPath(), ids);
        GetChildren2Response resp = new GetChildren2Response(c, tree.get(r.getPath()).stat());
        return new ReadOutcome(0, resp, r.getWatch() ? new WatchRegistration(r.getPath(), true) : null);
    }

    /** READ or ADMIN may read an ACL; without ADMIN digest passwords hashes are masked as ZooKeeper does. */
    private ReadOutcome getAcl(GetACLRequest r, List<Id> ids) {
        DataNode n = node(r.getPath());
        check(n, Perms.READ | Perms.ADMIN, ids);
        List<ACL> acl = n.acl();
        if (!AclChecker.allowed(acl, Perms.ADMIN, ids, settings)) {
            List<ACL> masked = new ArrayList<>(acl.size());
            for (ACL a : acl) {
                if (Authentication.DIGEST.equals(a.getId().getScheme())) {
                    String id = a.getId().getId().replaceAll(":.*", ":x");
                    masked.add(new ACL(a.getPerms(), new Id(a.getId().getScheme(), id)));
                } else {
                    masked.add(a);
                }
            }
            acl = masked;
        }
        return ok(new GetACLResponse(new ArrayList<>(acl), n.stat()));
    }

    private ReadOutcome allChildren(GetAllChildrenNumberRequest r, List<Id> ids) {
        DataNode n = node(r.getPath());
        check(n, Perms.READ, ids);
        return ok(new GetAllChildrenNumberResponse(tree.descendantCount(r.getPath())));
    }

    private ReadOutcome ephemerals(long sessionId, GetEphemeralsRequest r) {
        String prefix = r.getPrefixPath();
        List<String> out = new ArrayList<>();
        boolean all = prefix == null || prefix.isBlank() || "/".equals(prefix.trim());
        for (String p : tree.ephemerals(sessionId)) {
            if (all || p.startsWith(prefix)) {
                out.add(p);
            }
        }
        return ok(new GetEphemeralsResponse(out));
    }

    /**
     * Each op independently OK or an error result. Watches are not registered from a multiRead (ZooKeeper's
     * clients always send watch=false there).
     */
    private ReadOutcome multiRead(MultiRequest r, List<Id> ids) {
        MultiResponse resp = new MultiResponse();
        for (MultiRequest.Op op : r.ops()) {
            try {
                if (op.request() instanceof GetDataRequest g) {
                    resp.add(new MultiResponse.Result(OpCode.GET_DATA, data(g.getPath(), ids)));
                } else if (op.request() instanceof GetChildrenRequest g) {
                    resp.add(new MultiResponse.Result(OpCode.GET_CHILDREN,
                            new GetChildrenResponse(children(g.getPath(), ids))));
                } else {
                    throw ZkError.of(ErrorCode.MARSHALLINGERROR);
                }
            } catch (ZkError e) {
                if (e.code == ErrorCode.MARSHALLINGERROR) {
                    throw e;
                }
                resp.add(MultiResponse.Result.error(e.code.code()));
            }
        }
        return ok(resp);
    }
}
