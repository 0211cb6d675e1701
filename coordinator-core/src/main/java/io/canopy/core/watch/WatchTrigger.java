package io.canopy.core.watch;

/** A change in the tree that may fire watches: {@code eventType} is a {@link io.canopy.protocol.ZkConstants.EventType}. */
public record WatchTrigger(String path, int eventType, long zxid) {
}
