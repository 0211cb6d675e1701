package io.canopy.node.server;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.canopy.core.SessionInfo;

/**
 * The leader's view of session liveness: a deadline per session, pushed forward by every packet of the session.
 * Only the leader acts on it (it proposes closeSession for expired sessions), and a new leader restarts every
 * deadline from a full timeout since it cannot know when the sessions were last heard from. Thread-safe; time
 * comes from the injected clock.
 */
final class SessionExpiryTracker {
    private static final class Entry {
        int timeoutMillis;
        long deadline;
        boolean closing;

        Entry(int timeoutMillis, long deadline) {
            this.timeoutMillis = timeoutMillis;
            this.deadline = deadline;
        }
    }

    private final Clock clock;
    private final Map<Long, Entry> sessions = new HashMap<>();

    SessionExpiryTracker(Clock clock) {
        this.clock = clock;
    }

    synchronized void track(long sessionId, int timeoutMillis) {
        sessions.put(sessionId, new Entry(timeoutMillis, clock.millis() + timeoutMillis));
    }

    /** A sign of life: the deadline moves to a full timeout from now (unless the session is being closed). */
    synchronized void touch(long sessionId) {
        Entry e = sessions.get(sessionId);
        if (e != null && !e.closing) {
            e.deadline = clock.millis() + e.timeoutMillis;
        }
    }

    /**
     * The session's client resumed it with another negotiated timeout (a committed MOVE_SESSION): it expires by
     * that one from now on, and has a full one from now (its client was just heard from).
     */
    synchronized void retime(long sessionId, int timeoutMillis) {
        Entry e = sessions.get(sessionId);
        if (e != null) {
            e.timeoutMillis = timeoutMillis;
            if (!e.closing) {
                e.deadline = clock.millis() + timeoutMillis;
            }
        }
    }

    synchronized void remove(long sessionId) {
        sessions.remove(sessionId);
    }

    /** Leadership gained: forget everything and give every live session a full timeout from now. */
    synchronized void reset(Collection<SessionInfo> live) {
        sessions.clear();
        long now = clock.millis();
        for (SessionInfo s : live) {
            sessions.put(s.sessionId(), new Entry(s.timeoutMillis(), now + s.timeoutMillis()));
        }
    }

    /** Sessions past their deadline, marked as closing so that they are proposed once. */
    synchronized List<Long> takeExpired() {
        long now = clock.millis();
        List<Long> expired = new ArrayList<>();
        for (Map.Entry<Long, Entry> e : sessions.entrySet()) {
            if (!e.getValue().closing && e.getValue().deadline <= now) {
                e.getValue().closing = true;
                expired.add(e.getKey());
            }
        }
        return expired;
    }

    /** The closeSession proposal failed (no quorum, lost leadership): try again after a full timeout. */
    synchronized void retry(long sessionId) {
        Entry e = sessions.get(sessionId);
        if (e != null) {
            e.closing = false;
            e.deadline = clock.millis() + e.timeoutMillis;
        }
    }

    synchronized int size() {
        return sessions.size();
    }
}
