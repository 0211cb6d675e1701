package io.canopy.core;

/**
 * A live session as replicated: id, negotiated timeout, password, how many ephemeral nodes it owns, and the node
 * its client is connected to ({@code ownerNode}; 0 when unknown, for a session restored from an old snapshot).
 */
public record SessionInfo(long sessionId, int timeoutMillis, byte[] password, int ephemeralCount, int ownerNode) {
}
