package io.canopy.core.watch;

/** A notification to deliver to one session. */
public record WatchEvent(long sessionId, int eventType, int keeperState, String path, long zxid) {
}
