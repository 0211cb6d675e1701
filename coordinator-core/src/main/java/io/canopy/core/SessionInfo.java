package io.canopy.core;

/** A live session as replicated: id, negotiated timeout, password and how many ephemeral nodes it owns. */
public record SessionInfo(long sessionId, int timeoutMillis, byte[] password, int ephemeralCount) {
}
