package io.canopy.core;

/** Counters for the four-letter words and metrics. */
public record TreeStats(long nodeCount, long ephemeralCount, long approximateDataSize) {
}
