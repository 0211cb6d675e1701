package io.canopy.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.tree.QuotaPaths;
import io.canopy.protocol.ZkConstants.EphemeralOwner;

/** Structural checks of the state; a violation means a bug in apply, never bad client input. */
final class Invariants {
    private Invariants() {
    }

    static List<String> violations(DataTree tree, SessionTable sessions, long lastZxid) {
        List<String> out = new ArrayList<>();
        int[] reachable = {0};
        int[] ephemeral = {0};
        Set<String> quotaRoots = new TreeSet<>();
        tree.forEachInOrder((path, n) -> {
            reachable[0]++;
            checkNode(tree, sessions, lastZxid, path, n, out);
            if (EphemeralOwner.isSession(n.ephemeralOwner())) {
                ephemeral[0]++;
            }
            String quotaRoot = QuotaPaths.rootOfLimitNode(path);
            if (quotaRoot != null) {
                quotaRoots.add(quotaRoot);
            }
        });
        if (!quotaRoots.equals(tree.quotaRoots())) {
            out.add("quota index " + tree.quotaRoots() + " != limits nodes of " + quotaRoots);
        }
        if (reachable[0] != tree.size()) {
            out.add("unreachable nodes: " + (tree.size() - reachable[0]));
        }
        for (String p : new String[] {DataTree.ROOT, DataTree.PROC, DataTree.QUOTA, DataTree.CONFIG}) {
            if (tree.get(p) == null) {
                out.add("missing system node " + p);
            }
        }
        for (Map.Entry<Long, NavigableSet<String>> e : tree.ephemeralsBySession().entrySet()) {
            for (String p : e.getValue()) {
                DataNode n = tree.get(p);
                if (n == null || n.ephemeralOwner() != e.getKey()) {
                    out.add("stale ephemeral index entry " + p);
                }
            }
        }
        if (ephemeral[0] != tree.ephemeralCount()) {
            out.add("ephemeral index size " + tree.ephemeralCount() + " != " + ephemeral[0]);
        }
        if (tree.digest() != tree.recomputeDigest()) {
            out.add("incremental tree digest " + Long.toHexString(tree.digest()) + " != recomputed "
                    + Long.toHexString(tree.recomputeDigest()));
        }
        return out;
    }

    private static void checkNode(DataTree tree, SessionTable sessions, long lastZxid, String path, DataNode n,
                                  List<String> out) {
        for (String c : n.children()) {
            String cp = DataTree.ROOT.equals(path) ? "/" + c : path + "/" + c;
            if (tree.get(cp) == null) {
                out.add(path + " lists missing child " + c);
            }
        }
        if (n.numChildren() != n.children().size() || n.stat().getNumChildren() != n.children().size()) {
            out.add(path + " numChildren mismatch");
        }
        if (n.czxid() > lastZxid || n.mzxid() > lastZxid || n.pzxid() > lastZxid) {
            out.add(path + " has a zxid beyond lastZxid " + Long.toHexString(lastZxid));
        }
        long owner = n.ephemeralOwner();
        if (EphemeralOwner.isSession(owner)) {
            if (!sessions.contains(owner)) {
                out.add(path + " owned by dead session 0x" + Long.toHexString(owner));
            }
            if (n.numChildren() > 0) {
                out.add(path + " is ephemeral with children");
            }
            if (!tree.ephemerals(owner).contains(path)) {
                out.add(path + " missing from ephemeral index");
            }
        }
        if (EphemeralOwner.isContainer(owner) != tree.containers().contains(path)) {
            out.add(path + " container index mismatch");
        }
        if (EphemeralOwner.isTtl(owner) != tree.ttls().contains(path)) {
            out.add(path + " ttl index mismatch");
        }
        if (n.acl() == null || n.acl().isEmpty()) {
            out.add(path + " has no ACL");
        }
    }
}
