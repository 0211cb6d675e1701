package io.canopy.node.server;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.zookeeper.data.Id;

import io.canopy.core.watch.WatchRegistry;

/**
 * Which live connection serves which session on this node. A session has at most one connection here: when a
 * client resumes its session on a new connection the old one is closed, and the session's watches are dropped
 * at once (the client re-registers them with setWatches on the new connection), so that the old connection's
 * late close cannot remove watches that belong to the new one.
 */
final class ConnectionRegistry {
    private final Map<Long, ClientConnection> bySession = new ConcurrentHashMap<>();
    private final Set<ClientConnection> all = ConcurrentHashMap.newKeySet();
    private final WatchRegistry watches;

    ConnectionRegistry(WatchRegistry watches) {
        this.watches = watches;
    }

    void opened(ClientConnection c) {
        all.add(c);
    }

    /** The channel closed: the session lives on (until expiry) but its watches on this node are gone. */
    void closed(ClientConnection c) {
        all.remove(c);
        long session = c.sessionId();
        if (session != 0 && bySession.remove(session, c)) {
            synchronized (watches) {
                watches.removeSession(session);
            }
        }
    }

    void attach(ClientConnection c, long sessionId) {
        ClientConnection previous = bySession.put(sessionId, c);
        if (previous != null && previous != c) {
            closeStale(previous, sessionId, "resumed on another connection");
        }
    }

    /** The session's watches here go at once, so that the stale connection's late close cannot touch newer ones. */
    private void closeStale(ClientConnection stale, long sessionId, String why) {
        synchronized (watches) {
            watches.removeSession(sessionId);
        }
        stale.closeNow("session 0x" + Long.toHexString(sessionId) + " " + why);
    }

    ClientConnection of(long sessionId) {
        return bySession.get(sessionId);
    }

    /** The session is gone (closed or expired): its connection closes after what is queued. */
    void sessionClosed(long sessionId) {
        ClientConnection c = bySession.remove(sessionId);
        if (c != null) {
            c.sessionClosed();
        }
    }

    /** The session now belongs to another node: its connection here (if any) is closed, its watches dropped. */
    void sessionMovedAway(long sessionId, int newOwner) {
        ClientConnection c = bySession.remove(sessionId);
        if (c != null) {
            closeStale(c, sessionId, "moved to node " + newOwner);
        }
    }

    /** The identities of the session's connection here, or null if it has none. */
    List<Id> identities(long sessionId) {
        ClientConnection c = bySession.get(sessionId);
        return c == null ? null : c.identities();
    }

    /** Forgets every session binding (the state was replaced); returns the sessions that had one. */
    Collection<Long> detachAll() {
        List<Long> sessions = new ArrayList<>(bySession.keySet());
        bySession.clear();
        return sessions;
    }

    Collection<ClientConnection> all() {
        return all;
    }

    int size() {
        return all.size();
    }
}
