package io.canopy.core.tree;

/**
 * Where ZooKeeper keeps quotas (its {@code Quotas} class): the quota on {@code /a/b} is the node
 * {@code /zookeeper/quota/a/b/zookeeper_limits} (the limits) beside {@code /zookeeper/quota/a/b/zookeeper_stats}
 * (what the subtree holds now, kept up to date by the server). {@code /a/b} is the quota's root.
 */
public final class QuotaPaths {
    public static final String LIMIT_NODE = "zookeeper_limits";
    public static final String STAT_NODE = "zookeeper_stats";

    private QuotaPaths() {
    }

    /** {@code /zookeeper/quota<root>/zookeeper_limits}. */
    public static String limitPath(String root) {
        return DataTree.QUOTA + root + "/" + LIMIT_NODE;
    }

    /** {@code /zookeeper/quota<root>/zookeeper_stats}. */
    public static String statPath(String root) {
        return DataTree.QUOTA + root + "/" + STAT_NODE;
    }

    /** The root whose limits node {@code path} is, or null if it is not one. */
    public static String rootOfLimitNode(String path) {
        return rootOf(path, LIMIT_NODE);
    }

    /** The root whose statistics node {@code path} is, or null if it is not one. */
    public static String rootOfStatNode(String path) {
        return rootOf(path, STAT_NODE);
    }

    /**
     * A node named {@code name} strictly below {@code /zookeeper/quota/}: its parent's path without that prefix.
     * ZooKeeper compares with a bare string prefix (so {@code /zookeeper/quotas/zookeeper_limits} would set a quota
     * on "s") and fails on a limits node directly under {@code /zookeeper/quota}; neither is a quota here.
     */
    private static String rootOf(String path, String name) {
        int slash = path.lastIndexOf('/');
        if (slash <= DataTree.QUOTA.length() || !path.startsWith(DataTree.QUOTA + "/")
                || !name.equals(path.substring(slash + 1))) {
            return null;
        }
        return path.substring(DataTree.QUOTA.length(), slash);
    }
}
