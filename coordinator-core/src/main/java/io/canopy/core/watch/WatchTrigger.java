package io.canopy.core.watch;

import java.util.List;

import org.apache.zookeeper.data.ACL;

/**
 * A change in the tree that may fire watches: {@code eventType} is a {@link io.canopy.protocol.ZkConstants.EventType}.
 *
 * @param acl the ACL of the node the event is about (the parent's for NodeChildrenChanged), or null when
 *            unknown; ZooKeeper 3.9 only delivers an event to a watcher that may READ that node
 */
public record WatchTrigger(String path, int eventType, long zxid, List<ACL> acl) {
    public WatchTrigger(String path, int eventType, long zxid) {
        this(path, eventType, zxid, null);
    }
}
