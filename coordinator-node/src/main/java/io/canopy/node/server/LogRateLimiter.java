package io.canopy.node.server;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Lets at most one log message per key through in each interval and counts those it holds back, so the next one
 * let through can say how many were left out (ZooKeeper rate-limits its repeated warnings the same way, with its
 * RateLogger). Thread-safe.
 */
final class LogRateLimiter {
    /** Keys remembered at most; beyond, the memory starts over (a burst of messages, never unbounded memory). */
    private static final int MAX_KEYS = 1_000;

    /** A message let through: how many of its key were held back since the last one, {@code sinceMillis} ago. */
    record Pass(int suppressed, long sinceMillis) {
    }

    private record Last(long loggedAt, int suppressed) {
    }

    private final Clock clock;
    private final long intervalMillis;
    private final Map<String, Last> byKey = new HashMap<>();

    LogRateLimiter(Clock clock, long intervalMillis) {
        this.clock = clock;
        this.intervalMillis = intervalMillis;
    }

    /** @return how to log a message of {@code key} now, or null if it is to be left out */
    synchronized Pass tryPass(String key) {
        long now = clock.millis();
        Last last = byKey.get(key);
        if (last != null && now - last.loggedAt() < intervalMillis) {
            byKey.put(key, new Last(last.loggedAt(), last.suppressed() + 1));
            return null;
        }
        if (byKey.size() >= MAX_KEYS && last == null) {
            byKey.clear();
        }
        byKey.put(key, new Last(now, 0));
        return last == null ? new Pass(0, 0) : new Pass(last.suppressed(), now - last.loggedAt());
    }
}
