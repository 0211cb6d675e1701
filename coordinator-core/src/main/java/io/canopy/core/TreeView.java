package io.canopy.core;

import org.apache.zookeeper.data.Stat;

/** Read-only access to the tree, for the watch registry's setWatches and for the node's service layer. */
public interface TreeView {
    /** The node's stat, or null if it does not exist. */
    Stat stat(String path);
}
