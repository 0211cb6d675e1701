package io.canopy.node.server;

/**
 * A snapshot of one client connection, for the {@code cons} four-letter word, the REST layer and the console.
 * Latencies are in milliseconds; times are epoch milliseconds; 0 where nothing happened yet.
 */
public record ConnectionInfo(String remoteAddress, long sessionId, int timeoutMillis, int queued, long received,
                             long sent, long establishedAt, String lastOperation, long lastCxid, long lastZxid,
                             long lastResponseAt, long lastLatency, long minLatency, double avgLatency,
                             long maxLatency) {
}
