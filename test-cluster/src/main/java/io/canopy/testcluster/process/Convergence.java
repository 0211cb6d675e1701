package io.canopy.testcluster.process;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Replicas that agree: every node in {@link #nodeIds} reported, in one {@code mntr} each, the same last zxid and
 * (when the nodes report one) the same tree digest, a digest of the whole tree and session table. Equal digests
 * mean the replicas hold the same data; equal zxids alone only mean they applied the same number of transactions.
 *
 * @param lastZxid   the common {@code zk_last_zxid}
 * @param treeDigest the common {@code canopy_tree_digest}, or null if some node does not report one (an older
 *                   node): then only the zxids were compared
 * @param nodeIds    the nodes that agree (the live, unpaused nodes when they were asked)
 */
public record Convergence(long lastZxid, String treeDigest, List<Integer> nodeIds) {
    static final String ZXID_KEY = "zk_last_zxid";
    static final String DIGEST_KEY = "canopy_tree_digest";

    public Convergence {
        nodeIds = List.copyOf(nodeIds);
    }

    /** Whether tree digests were compared, rather than zxids only. */
    public boolean digestCompared() {
        return treeDigest != null;
    }

    @Override
    public String toString() {
        return "nodes " + nodeIds + " at zxid 0x" + Long.toHexString(lastZxid)
                + (digestCompared() ? " with tree digest " + treeDigest
                        : " (no " + DIGEST_KEY + " reported: compared zxids only)");
    }

    /** A node's answer to {@code mntr}: null values mean it did not answer, or did not report that key. */
    record Report(int nodeId, String lastZxid, String treeDigest) {
        static Report of(int nodeId, Map<String, String> mntr) {
            return new Report(nodeId, mntr.get(ZXID_KEY), mntr.get(DIGEST_KEY));
        }

        boolean answered() {
            return lastZxid != null;
        }

        @Override
        public String toString() {
            return "node " + nodeId + ": " + (answered() ? "zxid " + lastZxid + ", digest " + treeDigest : "no answer");
        }
    }

    /** What {@code reports} agree on, or null if a node did not answer or two nodes differ (or there are none). */
    static Convergence of(List<Report> reports) {
        if (reports.isEmpty() || !reports.stream().allMatch(Report::answered)) {
            return null;
        }
        boolean withDigest = reports.stream().allMatch(r -> r.treeDigest() != null);
        Report first = reports.get(0);
        for (Report r : reports) {
            if (!r.lastZxid().equals(first.lastZxid()) || withDigest && !r.treeDigest().equals(first.treeDigest())) {
                return null;
            }
        }
        return new Convergence(parseZxid(first.lastZxid()), withDigest ? first.treeDigest() : null,
                reports.stream().map(Report::nodeId).toList());
    }

    /** One line for each node's values, for failure messages. */
    static String describe(List<Report> reports) {
        return reports.isEmpty() ? "no live node"
                : reports.stream().map(Report::toString).collect(Collectors.joining("; "));
    }

    /** {@code 0x1f} (as {@code mntr} and {@code srvr} print zxids) or a decimal number. */
    static long parseZxid(String zxid) {
        return zxid.startsWith("0x") ? Long.parseUnsignedLong(zxid.substring(2), 16) : Long.parseLong(zxid);
    }
}
