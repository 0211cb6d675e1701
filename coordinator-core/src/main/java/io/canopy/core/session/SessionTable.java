package io.canopy.core.session;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

import io.canopy.protocol.ZkConstants.EphemeralOwner;

/**
 * The replicated sessions: id, negotiated timeout and password. Kept sorted by id so that snapshots and digests
 * are canonical. Liveness (expiry timing) is not here: the leader's tracker proposes closeSession.
 */
public final class SessionTable {

    /**
     * A live session.
     *
     * @param owner the node the session's client is connected to; writes proposed by another node for this
     *              session fail with SESSIONMOVED. 0: any node (sessions restored from a version-1 snapshot).
     */
    public record Session(long id, int timeoutMillis, byte[] password, int owner) {
        public Session {
            password = password == null ? new byte[0] : password.clone();
        }

        @Override
        public byte[] password() {
            return password.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Session s && s.id == id && s.timeoutMillis == timeoutMillis && s.owner == owner
                    && Arrays.equals(s.password, password);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id) * 31 + timeoutMillis;
        }
    }

    private final TreeMap<Long, Session> sessions = new TreeMap<>();

    /**
     * Ids that ZooKeeper's ephemeralOwner encoding would misread (0, the container marker, the extended-type
     * high byte) cannot own ephemerals and are refused.
     */
    public static boolean isUsableId(long id) {
        return EphemeralOwner.isSession(id);
    }

    public boolean contains(long id) {
        return sessions.containsKey(id);
    }

    public Session get(long id) {
        return sessions.get(id);
    }

    public void put(Session s) {
        sessions.put(s.id(), s);
    }

    public Session remove(long id) {
        return sessions.remove(id);
    }

    public Collection<Session> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }

    /** Whether a write for session {@code id} proposed by {@code node} may apply (false: the session moved). */
    public boolean ownedBy(long id, int node) {
        Session s = sessions.get(id);
        return s != null && (s.owner() == 0 || s.owner() == node);
    }

    public int size() {
        return sessions.size();
    }
}
