package io.canopy.node.server;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the "Quota exceeded" warnings of applied transactions at most once a minute per quota, with how many were
 * left out meanwhile, as ZooKeeper rate-limits the same warnings (its RateLogger): a subtree over a soft limit
 * warns on every write. Called on the apply thread only.
 */
final class QuotaWarningLog {
    private static final Logger LOG = LoggerFactory.getLogger(QuotaWarningLog.class);
    private static final long INTERVAL_MILLIS = 60_000;
    /** Quotas remembered at most; beyond, the memory starts over (a burst of warnings, never unbounded memory). */
    private static final int MAX_QUOTAS = 1_000;

    private record Last(long loggedAt, int suppressed) {
    }

    private final Clock clock;
    private final Map<String, Last> byQuota = new HashMap<>();

    QuotaWarningLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * Logs {@code warning}, the core's text {@code Quota exceeded: <root> [...]}, unless one of the same quota was
     * logged less than a minute ago.
     *
     * @return whether it was logged
     */
    boolean warn(String warning) {
        int bracket = warning.indexOf(" [");
        String quota = bracket < 0 ? warning : warning.substring(0, bracket);
        long now = clock.millis();
        Last last = byQuota.get(quota);
        if (last != null && now - last.loggedAt() < INTERVAL_MILLIS) {
            byQuota.put(quota, new Last(last.loggedAt(), last.suppressed() + 1));
            return false;
        }
        if (last != null && last.suppressed() > 0) {
            LOG.warn("{} ({} more in the last {} s)", warning, last.suppressed(), (now - last.loggedAt()) / 1000);
        } else {
            LOG.warn(warning);
        }
        if (byQuota.size() >= MAX_QUOTAS && last == null) {
            byQuota.clear();
        }
        byQuota.put(quota, new Last(now, 0));
        return true;
    }
}
