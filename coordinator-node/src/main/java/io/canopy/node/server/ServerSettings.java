package io.canopy.node.server;

import java.time.Duration;

/**
 * Settings of the ZooKeeper-protocol server, independent of Spring (the Spring properties map onto it).
 *
 * @param tickTime          ZooKeeper's tickTime: the unit of session timeouts (default 2 s)
 * @param minSessionTimeout lower bound of a negotiated session timeout (default 2 × tickTime)
 * @param maxSessionTimeout upper bound of a negotiated session timeout (default 20 × tickTime)
 * @param maxPacketBytes    the largest frame accepted from a client (ZooKeeper's jute.maxbuffer, default 1 MiB)
 * @param maxClientConnections per-address connection limit (ZooKeeper's maxClientCnxns, default 60; 0 = none)
 * @param superDigest       the operator's super-user digest id {@code super:<base64 sha1>}, or null
 * @param containerCheckInterval how often the leader looks for empty containers and expired TTL nodes
 * @param reconfigEnabled   whether {@code reconfig} is served (ZooKeeper's reconfigEnabled); it still needs WRITE
 *                          on /zookeeper/config, which by default only the super user has
 * @param membershipRepairDelay how long after a Raft configuration change the leader waits before it rewrites
 *                          /zookeeper/config itself, should the node that handled the reconfig not have done so
 * @param readOnlyModeEnabled whether a member that cannot serve (no contact with a leader) serves read-only
 *                          sessions to clients that allow them (ZooKeeper's readonlymode.enabled, default false)
 */
public record ServerSettings(Duration tickTime, Duration minSessionTimeout, Duration maxSessionTimeout,
                             int maxPacketBytes, int maxClientConnections, String superDigest,
                             Duration containerCheckInterval, boolean reconfigEnabled,
                             Duration membershipRepairDelay, boolean readOnlyModeEnabled) {

    /** With reconfig enabled, a 10 s repair delay and read-only mode disabled. */
    public ServerSettings(Duration tickTime, Duration minSessionTimeout, Duration maxSessionTimeout,
                          int maxPacketBytes, int maxClientConnections, String superDigest,
                          Duration containerCheckInterval) {
        this(tickTime, minSessionTimeout, maxSessionTimeout, maxPacketBytes, maxClientConnections, superDigest,
                containerCheckInterval, true, Duration.ofSeconds(10), false);
    }

    /** The same settings with read-only mode enabled or disabled. */
    public ServerSettings withReadOnlyMode(boolean enabled) {
        return new ServerSettings(tickTime, minSessionTimeout, maxSessionTimeout, maxPacketBytes, maxClientConnections,
                superDigest, containerCheckInterval, reconfigEnabled, membershipRepairDelay, enabled);
    }

    public static ServerSettings defaults() {
        Duration tick = Duration.ofSeconds(2);
        return new ServerSettings(tick, tick.multipliedBy(2), tick.multipliedBy(20), 1024 * 1024, 60, null,
                Duration.ofSeconds(60));
    }
}
