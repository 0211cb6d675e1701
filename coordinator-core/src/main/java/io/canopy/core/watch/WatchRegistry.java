package io.canopy.core.watch;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.canopy.core.TreeView;

/**
 * Node-local registry of the watches of the sessions connected to this node (watches are not replicated: a
 * client re-registers them with setWatches when it reconnects elsewhere). A plain data structure: not
 * thread-safe, the node guards it with one lock. Semantics follow ZooKeeper 3.9's WatchManager: one-shot data
 * and child watches, persistent and persistent-recursive watches, at most one event per session per trigger.
 */
public final class WatchRegistry {

    /** Registers a one-shot watch a read asked for. */
    public void add(long sessionId, WatchRegistration registration) {
        throw new UnsupportedOperationException("TODO");
    }

    /** addWatch: a persistent watch, recursive or not. */
    public void addPersistent(long sessionId, String path, boolean recursive) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The events a tree change fires, one-shot watches removed as they fire. */
    public List<WatchEvent> trigger(WatchTrigger trigger) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * removeWatches: removes this session's watches of {@code watcherType} (a
     * {@link io.canopy.protocol.ZkConstants.WatcherType}) on {@code path}; false if it had none (NOWATCHER).
     */
    public boolean remove(long sessionId, String path, int watcherType) {
        throw new UnsupportedOperationException("TODO");
    }

    /** checkWatches: whether this session has such a watch. */
    public boolean has(long sessionId, String path, int watcherType) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * setWatches / setWatches2 after a reconnect: registers the watches and returns the events for what changed
     * after {@code relativeZxid} (the last zxid the client saw), exactly as ZooKeeper's DataTree.setWatches.
     */
    public List<WatchEvent> setWatches(long sessionId, long relativeZxid, List<String> dataWatches,
                                       List<String> existWatches, List<String> childWatches,
                                       List<String> persistentWatches, List<String> persistentRecursiveWatches,
                                       TreeView tree) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Drops every watch of a session (its connection closed, or it expired). */
    public void removeSession(long sessionId) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Total number of watches (wchs, mntr's watch_count). */
    public int watchCount() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Paths watched per session (wchc). */
    public Map<Long, Set<String>> pathsBySession() {
        throw new UnsupportedOperationException("TODO");
    }
}
