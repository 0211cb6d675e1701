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
 * <p>
 * Quotas as ZooKeeper's DataTree keeps them: every create, delete and data change below a quota's root updates
 * the {@code zookeeper_stats} node of the deepest quota that holds it (count and bytes, data only: no version,
 * zxid or watch event), and creating a {@code zookeeper_stats} node fills it with the current count and bytes of
 * its root's subtree. Unlike ZooKeeper, loading a snapshot does not recompute the statistics: the snapshot holds
 * them exactly as apply left them, so a restarted replica and one that never stopped agree byte for byte.
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
    /** Roots of the quotas whose limits node exists (ZooKeeper's path trie of quotas). */
    private final NavigableSet<String> quotaRoots = new TreeSet<>();
    private long approximateDataSize;
    /** Sum of {@link NodeDigest}s of every node, kept up to date by each mutation. */
    private long digest;
    private Deque<Runnable> undo;
    private long digestBeforeUndo;

    /** An empty tree with ZooKeeper's system nodes, stats as a fresh ZooKeeper DataTree has them. */
    public static DataTree withSystemNodes() {
        DataTree t = new DataTree();
        t.putRaw(ROOT, systemNode(OPEN_ACL, 0));
        t.putRaw(PROC, systemNode(OPEN_ACL, 0));
        t.putRaw(QUOTA, systemNode(OPEN_ACL, 0));
        // ZooKeeper applies READ_ACL_UNSAFE to /zookeeper/config with setACL(version -1)
        t.putRaw(CONFIG, systemNode(READ_ACL, -1));
        return t;
    }

    private static DataNode systemNode(List<ACL> acl, int aversion) {
        return new DataNode(new NodeState(new byte[0], acl, 0, 0, 0, 0, 0, 0, 0, aversion, 0));
    }

    public static DataTree empty() {
        return new DataTree();
    }

    /** Inserts a node as loaded (snapshot or bootstrap), linking it to its parent and indexing it. */
    public DataNode putRaw(String path, DataNode node) {
        NodeState s = node.state;
        List<ACL> acl = intern(s.acl());
        if (acl != s.acl()) {
            node.state = s.withAcl(acl, s.aversion());
        }
        nodes.put(path, node);
        if (!ROOT.equals(path)) {
            DataNode parent = nodes.get(parentOf(path));
            if (parent == null) {
                throw new IllegalArgumentException("no parent for " + path);
            }
            parent.children.add(childName(path));
        }
        index(path, node.ephemeralOwner());
        approximateDataSize += size(path, node.data());
        digest += NodeDigest.of(path, node.state);
        return node;
    }

    /** A node with the given stored state and no children yet (snapshot loading). */
    public static DataNode newNode(NodeState state) {
        return new DataNode(state);
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

    /**
     * A digest of every node's path, data, ACL and stat, maintained incrementally (O(1) to read): equal on
     * replicas that applied the same entries. {@link #recomputeDigest()} is the same value computed from scratch.
     */
    public long digest() {
        return digest;
    }

    /** The digest computed over the whole tree (for invariant checks). */
    public long recomputeDigest() {
        long sum = 0;
        for (Map.Entry<String, DataNode> e : nodes.entrySet()) {
            sum += NodeDigest.of(e.getKey(), e.getValue().state);
        }
        return sum;
    }

    private void replaceState(String path, DataNode n, NodeState next) {
        digest += NodeDigest.of(path, next) - NodeDigest.of(path, n.state);
        n.state = next;
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
        digestBeforeUndo = digest;
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
        if (log != null) {
            digest = digestBeforeUndo; // every change since beginUndo is reverted, so is its digest
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
        NodeState oldParent = parent.state;
        DataNode n = new DataNode(NodeState.created(data, intern(acl), zxid, time, owner));
        replaceState(parentPath, parent, oldParent.withChildCreated(zxid));
        parent.children.add(childName(path));
        nodes.put(path, n);
        digest += NodeDigest.of(path, n.state);
        index(path, owner);
        approximateDataSize += size(path, data);
        record(() -> {
            nodes.remove(path);
            unindex(path, owner);
            parent.children.remove(childName(path));
            parent.state = oldParent;
            approximateDataSize -= size(path, data);
        });
        String statsOf = QuotaPaths.rootOfStatNode(path);
        if (statsOf != null) {
            recomputeQuotaStats(statsOf);
        }
        updateQuotaStats(quotaRootOf(path), length(data), 1);
        return n;
    }

    /** Deletes a childless node; the parent's pzxid becomes zxid (its stored cversion does not change). */
    public DataNode delete(String path, long zxid) {
        String parentPath = parentOf(path);
        DataNode parent = nodes.get(parentPath);
        DataNode n = nodes.remove(path);
        NodeState oldParent = parent.state;
        parent.children.remove(childName(path));
        replaceState(parentPath, parent, oldParent.withChildDeleted(zxid));
        digest -= NodeDigest.of(path, n.state);
        unindex(path, n.ephemeralOwner());
        approximateDataSize -= size(path, n.data());
        record(() -> {
            nodes.put(path, n);
            index(path, n.ephemeralOwner());
            parent.children.add(childName(path));
            parent.state = oldParent;
            approximateDataSize += size(path, n.data());
        });
        updateQuotaStats(quotaRootOf(path), -length(n.data()), -1);
        return n;
    }

    public DataNode setData(String path, byte[] data, int version, long zxid, long time) {
        DataNode n = nodes.get(path);
        NodeState old = n.state;
        replaceState(path, n, old.withData(data, version, zxid, time));
        approximateDataSize += size(path, data) - size(path, old.data());
        record(() -> {
            approximateDataSize += size(path, old.data()) - size(path, data);
            n.state = old;
        });
        updateQuotaStats(quotaRootOf(path), length(data) - length(old.data()), 0);
        return n;
    }

    public DataNode setAcl(String path, List<ACL> acl, int aversion) {
        DataNode n = nodes.get(path);
        NodeState old = n.state;
        replaceState(path, n, old.withAcl(intern(acl), aversion));
        record(() -> n.state = old);
        return n;
    }

    // ---- quotas ----

    /**
     * The quota that accounts for {@code path}: the deepest quota root that is {@code path} or one of its
     * ancestors (ZooKeeper's getMaxPrefixWithQuota; never "/"), or null.
     */
    public String quotaRootOf(String path) {
        if (quotaRoots.isEmpty()) {
            return null;
        }
        for (String p = path; !ROOT.equals(p); p = parentOf(p)) {
            if (quotaRoots.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** Roots of the quotas whose limits node exists, sorted. */
    public NavigableSet<String> quotaRoots() {
        return Collections.unmodifiableNavigableSet(quotaRoots);
    }

    /** ZooKeeper's updateQuotaStat: adds to the root's statistics (nothing if there is no root or stats node). */
    private void updateQuotaStats(String root, long bytesDiff, int countDiff) {
        if (root == null) {
            return;
        }
        String statPath = QuotaPaths.statPath(root);
        DataNode stats = nodes.get(statPath);
        if (stats == null) {
            return;
        }
        QuotaStats current = QuotaStats.parse(stats.data());
        QuotaStats next = current.with(QuotaStats.COUNT, current.count() + countDiff)
                .with(QuotaStats.BYTES, current.bytes() + bytesDiff);
        replaceData(statPath, stats, next.toBytes());
    }

    /** ZooKeeper's updateQuotaForPath: the stats node gets the count (root included) and bytes of the subtree. */
    private void recomputeQuotaStats(String root) {
        long count = 0;
        long bytes = 0;
        if (nodes.containsKey(root)) {
            Deque<String> stack = new ArrayDeque<>();
            stack.push(root);
            while (!stack.isEmpty()) {
                String p = stack.pop();
                DataNode n = nodes.get(p);
                count++;
                bytes += length(n.data());
                for (String c : n.children) {
                    stack.push(ROOT.equals(p) ? "/" + c : p + "/" + c);
                }
            }
        }
        String statPath = QuotaPaths.statPath(root);
        replaceData(statPath, nodes.get(statPath), QuotaStats.of(count, bytes).toBytes());
    }

    /** Replaces a node's data and nothing else of its stat. */
    private void replaceData(String path, DataNode n, byte[] data) {
        NodeState old = n.state;
        replaceState(path, n, old.withRawData(data));
        approximateDataSize += size(path, data) - size(path, old.data());
        record(() -> {
            approximateDataSize += size(path, old.data()) - size(path, data);
            n.state = old;
        });
    }

    // ---- indexes ----

    private void index(String path, long owner) {
        String quotaRoot = QuotaPaths.rootOfLimitNode(path);
        if (quotaRoot != null) {
            quotaRoots.add(quotaRoot);
        }
        if (EphemeralOwner.isContainer(owner)) {
            containers.add(path);
        } else if (EphemeralOwner.isTtl(owner)) {
            ttls.add(path);
        } else if (EphemeralOwner.isSession(owner)) {
            ephemerals.computeIfAbsent(owner, k -> new TreeSet<>()).add(path);
        }
    }

    private void unindex(String path, long owner) {
        String quotaRoot = QuotaPaths.rootOfLimitNode(path);
        if (quotaRoot != null) {
            quotaRoots.remove(quotaRoot);
        }
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

    /** Every node's path and current state, in no particular order. */
    public record Capture(String[] paths, NodeState[] states) {
    }

    /**
     * The path and state of every node as of now: O(nodes) reference copies, no data bytes. The states are
     * immutable, so the capture stays exact however the tree changes afterwards.
     */
    public Capture capture() {
        String[] paths = new String[nodes.size()];
        NodeState[] states = new NodeState[paths.length];
        int i = 0;
        for (Map.Entry<String, DataNode> e : nodes.entrySet()) {
            paths[i] = e.getKey();
            states[i++] = e.getValue().state;
        }
        return new Capture(paths, states);
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

    private static long length(byte[] data) {
        return data == null ? 0 : data.length;
    }

    private static long size(String path, byte[] data) {
        return path.length() + (data == null ? 0 : data.length);
    }
}
