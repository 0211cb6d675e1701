package io.canopy.core;

import org.apache.jute.Record;

import io.canopy.core.watch.WatchRegistration;

/**
 * @param err      a ZooKeeper error code, 0 on success
 * @param response the reply body, or null
 * @param watch    the watch to register for this session, or null
 */
public record ReadOutcome(int err, Record response, WatchRegistration watch) {
}
