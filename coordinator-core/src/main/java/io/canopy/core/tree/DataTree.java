package io.canopy.core.tree;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

import io.canopy.protocol.ZkConstants.EphemeralOwner;
import io.canopy.protocol.ZkConstants.Perms;

/**
 * The znode tree with ZooKeeper's DataTree mutation semantics and the indexes apply needs (ephemerals per
 * session, containers, TTL nodes). Mutations can be recorded in an undo log so that a failed multi rolls back
 * exactly: ZooKeeper validates a multi against pending change records; applying op by op with undo is the
 * equivalent for a state machine that computes outcomes at apply time.
 */
public final class DataTree {
    public static final String ROOT = "/";
    public static final String PROC = "/zookeeper";
    public static final String QUOTA = "/zookeeper/quota";
    public static final String CONFIG = "/zookeeper/config";
    public static final List<ACL> OPEN_ACL = List.of(new ACL(Perms.ALL, new Id("world", "anyone")));
    public static final List<ACL> READ_ACL = List.of(new ACL(Perms.READ, new Id("world", "anyone")));

    private final Map<String, DataNode> nodes = new HashMap<>();
    private final TreeMap<Long, NavigableSet<String>> ephemerals = new TreeMap<>();
    private final NavigableSet<String> containers = new TreeSet<>();
    private final NavigableSet<String> ttls = new TreeSet<>();
    private long approximateDataSize;
    private Deque<Runnable> undo;

    /** An empty tree with ZooKeeper's system nodes, stats as a fresh ZooKeeper DataTree has them. */
    public static DataTree withSystemNodes() {
        DataTree t = new DataTree();
        t.putRaw(ROOT, new DataNode(new byte[0], OPEN_ACL));
        t.putRaw(PROC, new DataNode(new byte[0], OPEN_ACL));
        t.putRaw(QUOTA, new DataNode(new byte[0], OPEN_ACL));
        DataNode config = new DataNode(new byte[0], READ_ACL);
        config.aversion = -1; // ZooKeeper applies READ_ACL_UNSAFE with setACL(version -1)
        t.putRaw(CONFIG, config);
        return t;
    }

    public static DataTree empty() {
        return new DataTree();
    }

    /** Inserts a node as loaded (snapshot or bootstrap), linking it to its parent and indexing it. */
    public DataNode putRaw(String path, DataNode node) {
        node.acl = intern(node.acl);
        nodes.put(path, node);
        if (!ROOT.equals(path)) {
            DataNode parent = nodes.get(parentOf(path));
            if (parent == null) {
                throw new IllegalArgumentException("no parent for " + path);
            }
            parent.children.add(childName(path));
        }
        index(path, node.ephemeralOwner);
        approximateDataSize += size(path, node.data);
        return node;
    }

    public static DataNode newNode(byte[] data, List<ACL> acl) {
        return new DataNode(data, acl);
    }

    public static void setStat(DataNode n, long czxid, long mzxid, long pzxid, long ctime, long mtime, int version,
                               int cversion, int aversion, long ephemeralOwner) {
        n.czxid = czxid;
        n.mzxid = mzxid;
        n.pzxid = pzxid;
        n.ctime = ctime;
        n.mtime = mtime;
        n.version = version;
        n.cversion = cversion;
        n.aversion = aversion;
        n.ephemeralOwner = ephemeralOwner;
    }

    public DataNode get(String path) {
        return path == null ? null : nodes.get(path);
    }

    public int size() {
        return nodes.size();
    }

    public long approximateDataSize() {
        return approximateDataSize;
    }

    public static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? ROOT : path.substring(0, slash);
    }

    public static String childName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The paths ZooKeeper refuses to delete. */
    public static boolean isSpecial(String path) {
        return ROOT.equals(path) || PROC.equals(path) || QUOTA.equals(path) || CONFIG.equals(path);
    }

    // ---- undo log ----

    /** Starts recording inverse operations (for a multi). */
    public void beginUndo() {
        undo = new ArrayDeque<>();
    }

    /** Discards the undo log: the recorded changes stay. */
    public void commitUndo() {
        undo = null;
    }

    /** Reverts every change recorded since {@link #beginUndo}. */
    public void rollback() {
        Deque<Runnable> log = undo;
        undo = null;
        while (log != null && !log.isEmpty()) {
            log.pop().run();
        }
    }

    private void record(Runnable inverse) {
        if (undo != null) {
            undo.push(inverse);
        }
    }

    // ---- mutations (callers validate first) ----

    /** Creates a node; the parent's stored cversion goes up by one and its pzxid becomes zxid. */
    public DataNode create(String path, byte[] data, List<ACL> acl, long owner, long zxid, long time) {
        String parentPath = parentOf(path);
        DataNode parent = nodes.get(parentPath);
        int oldCversion = parent.cversion;
        long oldPzxid = parent.pzxid;
        DataNode n = new DataNode(data, intern(acl));
        setStat(n, zxid, zxid, zxid, time, time, 0, 0, 0, owner);
        parent.cversion = oldCversion + 1;
        parent.pzxid = zxid;
        parent.children.add(childName(path));
        nodes.put(path, n);
        index(path, owner);
        approximateDataSize += size(path, data);
        record(() -> {
            nodes.remove(path);
            unindex(path, owner);
            parent.children.remove(childName(path));
            parent.cversion = oldCversion;
            parent.pzxid = oldPzxid;
            approximateDataSize -= size(path, data);
        });
        return n;
    }

    /** Deletes a childless node; the parent's pzxid becomes zxid (its stored cversion does not change). */
    public DataNode delete(String path, long zxid) {
        DataNode parent = nodes.get(parentOf(path));
        DataNode n = nodes.remove(path);
        long oldPzxid = parent.pzxid;
        parent.children.remove(childName(path));
        if (zxid > parent.pzxid) {
            parent.pzxid = zxid;
        }
        unindex(path, n.ephemeralOwner);
        approximateDataSize -= size(path, n.data);
        record(() -> {
            nodes.put(path, n);
            index(path, n.ephemeralOwner);
            parent.children.add(childName(path));
            parent.pzxid = oldPzxid;
            approximateDataSize += size(path, n.data);
        });
        return n;
    }

    public DataNode setData(String path, byte[] data, int version, long zxid, long time) {
        DataNode n = nodes.get(path);
        byte[] oldData = n.data;
        int oldVersion = n.version;
        long oldMzxid = n.mzxid;
        long oldMtime = n.mtime;
        n.data = data;
        n.version = version;
        n.mzxid = zxid;
        n.mtime = time;
        approximateDataSize += size(path, data) - size(path, oldData);
        record(() -> {
            approximateDataSize += size(path, oldData) - size(path, n.data);
            n.data = oldData;
            n.version = oldVersion;
            n.mzxid = oldMzxid;
            n.mtime = oldMtime;
        });
        return n;
    }

    public DataNode setAcl(String path, List<ACL> acl, int aversion) {
        DataNode n = nodes.get(path);
        List<ACL> oldAcl = n.acl;
        int oldAversion = n.aversion;
        n.acl = intern(acl);
        n.aversion = aversion;
        record(() -> {
            n.acl = oldAcl;
            n.aversion = oldAversion;
        });
        return n;
    }

    // ---- indexes ----

    private void index(String path, long owner) {
        if (EphemeralOwner.isContainer(owner)) {
            containers.add(path);
        } else if (EphemeralOwner.isTtl(owner)) {
            ttls.add(path);
        } else if (EphemeralOwner.isSession(owner)) {
            ephemerals.computeIfAbsent(owner, k -> new TreeSet<>()).add(path);
        }
    }

    private void unindex(String path, long owner) {
        if (EphemeralOwner.isContainer(owner)) {
            containers.remove(path);
        } else if (EphemeralOwner.isTtl(owner)) {
            ttls.remove(path);
        } else if (EphemeralOwner.isSession(owner)) {
            NavigableSet<String> set = ephemerals.get(owner);
            if (set != null) {
                set.remove(path);
                if (set.isEmpty()) {
                    ephemerals.remove(owner);
                }
            }
        }
    }

    /** The session's ephemeral paths, sorted; empty if none. */
    public NavigableSet<String> ephemerals(long sessionId) {
        NavigableSet<String> set = ephemerals.get(sessionId);
        return set == null ? Collections.emptyNavigableSet() : Collections.unmodifiableNavigableSet(set);
    }

    public Map<Long, NavigableSet<String>> ephemeralsBySession() {
        return Collections.unmodifiableMap(ephemerals);
    }

    public int ephemeralCount() {
        int n = 0;
        for (NavigableSet<String> s : ephemerals.values()) {
            n += s.size();
        }
        return n;
    }

    public NavigableSet<String> containers() {
        return Collections.unmodifiableNavigableSet(containers);
    }

    public NavigableSet<String> ttls() {
        return Collections.unmodifiableNavigableSet(ttls);
    }

    /** Number of nodes below path (ZooKeeper's getAllChildrenNumber; for "/" every node except the root). */
    public int descendantCount(String path) {
        DataNode n = nodes.get(path);
        if (n == null) {
            return 0;
        }
        int count = 0;
        Deque<String> stack = new ArrayDeque<>();
        stack.push(path);
        while (!stack.isEmpty()) {
            String p = stack.pop();
            for (String c : nodes.get(p).children) {
                count++;
                stack.push(ROOT.equals(p) ? "/" + c : p + "/" + c);
            }
        }
        return count;
    }

    /** Visits every node in depth-first pre-order with sorted children: the canonical order. */
    public void forEachInOrder(java.util.function.BiConsumer<String, DataNode> visitor) {
        Deque<String> stack = new ArrayDeque<>();
        stack.push(ROOT);
        while (!stack.isEmpty()) {
            String p = stack.pop();
            DataNode n = nodes.get(p);
            visitor.accept(p, n);
            for (String c : n.children.descendingSet()) {
                stack.push(ROOT.equals(p) ? "/" + c : p + "/" + c);
            }
        }
    }

    public Map<String, DataNode> nodesView() {
        return Collections.unmodifiableMap(nodes);
    }

    /** Shares the overwhelmingly common world ACLs instead of keeping a copy per node. */
    private static List<ACL> intern(List<ACL> acl) {
        if (OPEN_ACL.equals(acl)) {
            return OPEN_ACL;
        }
        if (READ_ACL.equals(acl)) {
            return READ_ACL;
        }
        return List.copyOf(acl);
    }

    private static long size(String path, byte[] data) {
        return path.length() + (data == null ? 0 : data.length);
    }
}
