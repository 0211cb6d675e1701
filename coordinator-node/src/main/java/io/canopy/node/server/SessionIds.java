package io.canopy.node.server;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

import io.canopy.protocol.ZkConstants;

/**
 * Chooses session ids and passwords for sessions this node creates. ZooKeeper's scheme: the node id in the
 * high byte and the creation time in milliseconds shifted into the next 40 bits, then a counter; so ids are
 * unique across nodes (different high bytes) and across restarts of one node (time moves on). The node id
 * must stay below 255: an id with a high byte of 0xFF would read as a TTL marker in ephemeralOwner.
 */
final class SessionIds {
    private final AtomicLong next;
    private final SecureRandom random = new SecureRandom();

    SessionIds(int nodeId, Clock clock) {
        if (nodeId < 0 || nodeId > 254) {
            throw new IllegalArgumentException("node id must be within 0..254 for session ids, was " + nodeId);
        }
        long base = (clock.millis() << 24) >>> 8;
        this.next = new AtomicLong(base | ((long) nodeId << 56));
    }

    long nextId() {
        long id;
        do {
            id = next.incrementAndGet();
        } while (id == 0 || id == ZkConstants.EphemeralOwner.CONTAINER);
        return id;
    }

    byte[] newPassword() {
        byte[] password = new byte[16];
        random.nextBytes(password);
        return password;
    }
}
