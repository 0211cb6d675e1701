package io.canopy.core.watch;

/** A one-shot watch a read asked for: {@code child} false for a data/exists watch, true for a child watch. */
public record WatchRegistration(String path, boolean child) {
}
