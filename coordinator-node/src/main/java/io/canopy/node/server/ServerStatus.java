package io.canopy.node.server;

import io.canopy.node.replication.TxnLog;

/**
 * Node-wide counters for {@code mntr}, {@code srvr}/{@code stat} and metrics. Latencies in milliseconds.
 *
 * @param leader             whether this node currently leads the replication group
 * @param mode               the role as {@code srvr} reports it: standalone, leader, follower, observer or read-only
 * @param treeDigest         the tree's digest as of {@code lastZxid} (read together): equal on nodes at the same zxid
 * @param peerState          ZooKeeper's detailed peer state of a cluster member ({@code leading - broadcast},
 *                           {@code following - broadcast}, {@code observing - broadcast}, {@code looking}); null
 *                           for a standalone or read-only node, which ZooKeeper does not run as a quorum peer
 * @param quorumSize         voters in the configuration (ZooKeeper's quorum_size); 0 when {@code peerState} is null
 * @param openFileDescriptors open file descriptors of this process, -1 where the OS does not say (not Unix)
 * @param maxFileDescriptors  the process's limit, -1 where the OS does not say
 * @param pendingSyncs       this node's clients' syncs waiting for their barrier entry
 * @param leaderView         the leader's view of its learners and entries; null unless this node leads
 */
public record ServerStatus(boolean leader, String mode, long lastZxid, long lastAppliedIndex, long treeDigest,
                           long nodeCount,
                           long ephemeralCount, long approximateDataSize, int watchCount, int sessionCount,
                           int connectionCount, int outstandingRequests, long packetsReceived, long packetsSent,
                           long minLatency, double avgLatency, long maxLatency, String peerState, int quorumSize,
                           long openFileDescriptors, long maxFileDescriptors, int pendingSyncs,
                           TxnLog.LeaderView leaderView) {
}
