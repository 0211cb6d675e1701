package io.canopy.node.server;

/**
 * Node-wide counters for {@code mntr}, {@code srvr}/{@code stat} and metrics. Latencies in milliseconds.
 *
 * @param leader whether this node currently leads the replication group
 * @param mode   the role as {@code srvr} reports it: standalone, leader, follower or observer
 * @param treeDigest the tree's digest as of {@code lastZxid} (read together): equal on nodes at the same zxid
 */
public record ServerStatus(boolean leader, String mode, long lastZxid, long lastAppliedIndex, long treeDigest,
                           long nodeCount,
                           long ephemeralCount, long approximateDataSize, int watchCount, int sessionCount,
                           int connectionCount, int outstandingRequests, long packetsReceived, long packetsSent,
                           long minLatency, double avgLatency, long maxLatency) {
}
