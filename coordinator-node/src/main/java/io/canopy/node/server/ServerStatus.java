package io.canopy.node.server;

/**
 * Node-wide counters for {@code mntr}, {@code srvr}/{@code stat} and metrics. Latencies in milliseconds.
 *
 * @param leader whether this node currently leads the replication group
 */
public record ServerStatus(boolean leader, long lastZxid, long lastAppliedIndex, long nodeCount,
                           long ephemeralCount, long approximateDataSize, int watchCount, int sessionCount,
                           int connectionCount, int outstandingRequests, long packetsReceived, long packetsSent,
                           long minLatency, double avgLatency, long maxLatency) {
}
