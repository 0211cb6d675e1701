package io.canopy.node.server;

import java.time.Clock;

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

    private final LogRateLimiter limiter;

    QuotaWarningLog(Clock clock) {
        this.limiter = new LogRateLimiter(clock, INTERVAL_MILLIS);
    }

    /**
     * Logs {@code warning}, the core's text {@code Quota exceeded: <root> [...]}, unless one of the same quota was
     * logged less than a minute ago.
     *
     * @return whether it was logged
     */
    boolean warn(String warning) {
        int bracket = warning.indexOf(" [");
        LogRateLimiter.Pass pass = limiter.tryPass(bracket < 0 ? warning : warning.substring(0, bracket));
        if (pass == null) {
            return false;
        }
        if (pass.suppressed() > 0) {
            LOG.warn("{} ({} more in the last {} s)", warning, pass.suppressed(), pass.sinceMillis() / 1000);
        } else {
            LOG.warn(warning);
        }
        return true;
    }
}
