package io.canopy.core.watch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

import io.canopy.core.TreeView;
import io.canopy.protocol.ZkConstants.EventType;
import io.canopy.protocol.ZkConstants.KeeperState;
import io.canopy.protocol.ZkConstants.WatcherType;

/**
 * Node-local registry of the watches of the sessions connected to this node (watches are not replicated: a
 * client re-registers them with setWatches when it reconnects elsewhere). A plain data structure: not
 * thread-safe, the node guards it with one lock. Semantics follow ZooKeeper 3.9's DataTree, which keeps two
 * watch managers: data watches (exists/getData one-shots, persistent, persistent-recursive) and child watches
 * (getChildren one-shots, persistent). Each (session, path) entry holds a set of modes; a trigger yields at most
 * one event per session.
 */
public final class WatchRegistry {
    private static final int STANDARD = 1;
    private static final int PERSISTENT = 2;
    private static final int RECURSIVE = 4;

    /** Decides whether a session may read a node, to filter events as ZooKeeper 3.9 does. */
    @FunctionalInterface
    public interface ReadPermission {
        boolean mayRead(long sessionId, List<ACL> acl);
    }

    private final Table data = new Table();
    private final Table child = new Table();

    /** Registers a one-shot watch a read asked for. */
    public void add(long sessionId, WatchRegistration registration) {
        (registration.child() ? child : data).add(registration.path(), sessionId, STANDARD);
    }

    /** addWatch: a persistent watch, recursive or not. */
    public void addPersistent(long sessionId, String path, boolean recursive) {
        if (recursive) {
            data.add(path, sessionId, RECURSIVE);
        } else {
            data.add(path, sessionId, PERSISTENT);
            child.add(path, sessionId, PERSISTENT);
        }
    }

    /** The events a tree change fires, one-shot watches removed as they fire. */
    public List<WatchEvent> trigger(WatchTrigger trigger) {
        return trigger(trigger, null);
    }

    /**
     * As {@link #trigger(WatchTrigger)}, but an event is only returned for sessions that may read the node
     * (when the trigger carries its ACL); one-shot watches are consumed either way, as in ZooKeeper.
     */
    public List<WatchEvent> trigger(WatchTrigger trigger, ReadPermission permission) {
        Set<Long> sessions = new TreeSet<>();
        String path = trigger.path();
        switch (trigger.eventType()) {
            case EventType.NODE_CREATED, EventType.NODE_DATA_CHANGED -> sessions.addAll(data.fire(path));
            case EventType.NODE_DELETED -> {
                sessions.addAll(data.fire(path));
                sessions.addAll(child.fire(path));
            }
            case EventType.NODE_CHILDREN_CHANGED -> sessions.addAll(child.fire(path));
            default -> {
                return List.of();
            }
        }
        List<WatchEvent> events = new ArrayList<>(sessions.size());
        for (long s : sessions) {
            if (permission == null || trigger.acl() == null || permission.mayRead(s, trigger.acl())) {
                events.add(new WatchEvent(s, trigger.eventType(), KeeperState.SYNC_CONNECTED, path, trigger.zxid()));
            }
        }
        return events;
    }

    /**
     * removeWatches: removes this session's watches of {@code watcherType} (a
     * {@link io.canopy.protocol.ZkConstants.WatcherType}) on {@code path}; false if it had none (NOWATCHER).
     */
    public boolean remove(long sessionId, String path, int watcherType) {
        return switch (watcherType) {
            case WatcherType.CHILDREN -> child.remove(path, sessionId, STANDARD);
            case WatcherType.DATA -> data.remove(path, sessionId, STANDARD);
            case WatcherType.PERSISTENT -> child.remove(path, sessionId, PERSISTENT)
                    | data.remove(path, sessionId, PERSISTENT);
            case WatcherType.PERSISTENT_RECURSIVE -> data.remove(path, sessionId, RECURSIVE);
            case WatcherType.ANY -> child.remove(path, sessionId, STANDARD | PERSISTENT | RECURSIVE)
                    | data.remove(path, sessionId, STANDARD | PERSISTENT | RECURSIVE);
            default -> false;
        };
    }

    /** checkWatches: whether this session has such a watch. */
    public boolean has(long sessionId, String path, int watcherType) {
        return switch (watcherType) {
            case WatcherType.CHILDREN -> child.has(path, sessionId, STANDARD);
            case WatcherType.DATA -> data.has(path, sessionId, STANDARD);
            case WatcherType.PERSISTENT -> data.has(path, sessionId, PERSISTENT);
            case WatcherType.PERSISTENT_RECURSIVE -> data.has(path, sessionId, RECURSIVE);
            case WatcherType.ANY -> child.has(path, sessionId, STANDARD | PERSISTENT | RECURSIVE)
                    || data.has(path, sessionId, STANDARD | PERSISTENT | RECURSIVE);
            default -> false;
        };
    }

    /**
     * setWatches / setWatches2 after a reconnect: registers the watches and returns the events for what changed
     * after {@code relativeZxid} (the last zxid the client saw), exactly as ZooKeeper's DataTree.setWatches.
     * Those events carry zxid -1, as ZooKeeper's do.
     */
    public List<WatchEvent> setWatches(long sessionId, long relativeZxid, List<String> dataWatches,
                                       List<String> existWatches, List<String> childWatches,
                                       List<String> persistentWatches, List<String> persistentRecursiveWatches,
                                       TreeView tree) {
        List<WatchEvent> events = new ArrayList<>();
        for (String path : nonNull(dataWatches)) {
            Stat s = tree.stat(path);
            if (s == null) {
                events.add(event(sessionId, EventType.NODE_DELETED, path));
            } else if (s.getMzxid() > relativeZxid) {
                events.add(event(sessionId, EventType.NODE_DATA_CHANGED, path));
            } else {
                data.add(path, sessionId, STANDARD);
            }
        }
        for (String path : nonNull(existWatches)) {
            if (tree.stat(path) != null) {
                events.add(event(sessionId, EventType.NODE_CREATED, path));
            } else {
                data.add(path, sessionId, STANDARD);
            }
        }
        for (String path : nonNull(childWatches)) {
            Stat s = tree.stat(path);
            if (s == null) {
                events.add(event(sessionId, EventType.NODE_DELETED, path));
            } else if (s.getPzxid() > relativeZxid) {
                events.add(event(sessionId, EventType.NODE_CHILDREN_CHANGED, path));
            } else {
                child.add(path, sessionId, STANDARD);
            }
        }
        for (String path : nonNull(persistentWatches)) {
            addPersistent(sessionId, path, false);
        }
        for (String path : nonNull(persistentRecursiveWatches)) {
            addPersistent(sessionId, path, true);
        }
        return events;
    }

    private static List<String> nonNull(List<String> l) {
        return l == null ? List.of() : l;
    }

    private static WatchEvent event(long session, int type, String path) {
        return new WatchEvent(session, type, KeeperState.SYNC_CONNECTED, path, -1L);
    }

    /** Drops every watch of a session (its connection closed, or it expired). */
    public void removeSession(long sessionId) {
        data.removeSession(sessionId);
        child.removeSession(sessionId);
    }

    /** Total number of watches (wchs, mntr's watch_count): (session, path) pairs over both managers. */
    public int watchCount() {
        return data.count() + child.count();
    }

    /** Paths watched per session (wchc). */
    public Map<Long, Set<String>> pathsBySession() {
        Map<Long, Set<String>> out = new TreeMap<>();
        for (Table t : List.of(data, child)) {
            t.bySession.forEach((s, paths) -> out.computeIfAbsent(s, k -> new TreeSet<>()).addAll(paths));
        }
        return out;
    }

    /** Sessions watching each path (wchp). */
    public Map<String, Set<Long>> sessionsByPath() {
        Map<String, Set<Long>> out = new TreeMap<>();
        for (Table t : List.of(data, child)) {
            t.byPath.forEach((p, m) -> out.computeIfAbsent(p, k -> new TreeSet<>()).addAll(m.keySet()));
        }
        return out;
    }

    /** One of ZooKeeper's two watch managers: path -> session -> mode bits, plus the reverse index. */
    private static final class Table {
        final Map<String, Map<Long, Integer>> byPath = new HashMap<>();
        final Map<Long, Set<String>> bySession = new HashMap<>();
        int recursive;

        void add(String path, long session, int mode) {
            Map<Long, Integer> m = byPath.computeIfAbsent(path, k -> new HashMap<>(4));
            int old = m.getOrDefault(session, 0);
            if ((mode & RECURSIVE) != 0 && (old & RECURSIVE) == 0) {
                recursive++;
            }
            m.put(session, old | mode);
            bySession.computeIfAbsent(session, k -> new HashSet<>()).add(path);
        }

        boolean has(String path, long session, int modes) {
            Map<Long, Integer> m = byPath.get(path);
            return m != null && (m.getOrDefault(session, 0) & modes) != 0;
        }

        /** Clears {@code modes} for the session on path; true if it held any of them. */
        boolean remove(String path, long session, int modes) {
            Map<Long, Integer> m = byPath.get(path);
            int old = m == null ? 0 : m.getOrDefault(session, 0);
            if ((old & modes) == 0) {
                return false;
            }
            set(path, m, session, old, old & ~modes);
            return true;
        }

        private void set(String path, Map<Long, Integer> m, long session, int old, int now) {
            if ((old & RECURSIVE) != 0 && (now & RECURSIVE) == 0) {
                recursive--;
            }
            if (now == 0) {
                m.remove(session);
                if (m.isEmpty()) {
                    byPath.remove(path);
                }
                Set<String> paths = bySession.get(session);
                if (paths != null) {
                    paths.remove(path);
                    if (paths.isEmpty()) {
                        bySession.remove(session);
                    }
                }
            } else {
                m.put(session, now);
            }
        }

        /** Sessions to notify for an event on path: every watch on path itself, recursive ones above it. */
        List<Long> fire(String path) {
            List<Long> out = new ArrayList<>();
            Map<Long, Integer> exact = byPath.get(path);
            if (exact != null) {
                for (Map.Entry<Long, Integer> e : new ArrayList<>(exact.entrySet())) {
                    out.add(e.getKey());
                    if ((e.getValue() & STANDARD) != 0) {
                        set(path, exact, e.getKey(), e.getValue(), e.getValue() & ~STANDARD);
                    }
                }
            }
            if (recursive > 0) {
                String p = path;
                while (!"/".equals(p) && p.lastIndexOf('/') >= 0) {
                    int slash = p.lastIndexOf('/');
                    p = slash == 0 ? "/" : p.substring(0, slash);
                    Map<Long, Integer> m = byPath.get(p);
                    if (m != null) {
                        m.forEach((s, modes) -> {
                            if ((modes & RECURSIVE) != 0) {
                                out.add(s);
                            }
                        });
                    }
                }
            }
            return out;
        }

        void removeSession(long session) {
            Set<String> paths = bySession.get(session);
            if (paths == null) {
                return;
            }
            for (String p : new ArrayList<>(paths)) {
                Map<Long, Integer> m = byPath.get(p);
                set(p, m, session, m.get(session), 0);
            }
        }

        int count() {
            int n = 0;
            for (Set<String> s : bySession.values()) {
                n += s.size();
            }
            return n;
        }
    }
}
