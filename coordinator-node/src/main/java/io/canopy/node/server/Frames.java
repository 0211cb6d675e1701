package io.canopy.node.server;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.WatcherEvent;

import io.canopy.core.watch.WatchEvent;
import io.canopy.protocol.JuteEncoder;
import io.canopy.protocol.ZkConstants;

/**
 * Serialises what the server sends into complete length-prefixed frames. Frames are plain byte arrays so that
 * they can be queued in an outbox from any thread without reference counting, and written later by the event
 * loop.
 */
public final class Frames {
    private Frames() {
    }

    /** A reply: {@code ReplyHeader(xid, zxid, err)} followed by {@code body} when there is one. */
    public static byte[] reply(int xid, long zxid, int err, Record body) {
        return frame(new ReplyHeader(xid, zxid, err), body);
    }

    /**
     * A watch notification. ZooKeeper 3.9 puts the zxid of the change that fired the watch in the header (the
     * client does not update its lastZxid from notifications, but tools read it).
     */
    public static byte[] notification(WatchEvent event) {
        return frame(new ReplyHeader(ZkConstants.Xid.NOTIFICATION, event.zxid(), 0),
                new WatcherEvent(event.eventType(), event.keeperState(), event.path()));
    }

    /** The handshake answer of a read-write session; the readOnly flag is part of the 3.9 record. */
    public static byte[] connectResponse(int timeoutMillis, long sessionId, byte[] password) {
        return connectResponse(timeoutMillis, sessionId, password, false);
    }

    /** The handshake answer; {@code readOnly} tells the client that it has a read-only session. */
    public static byte[] connectResponse(int timeoutMillis, long sessionId, byte[] password, boolean readOnly) {
        return frame(new ConnectResponse(0, timeoutMillis, sessionId, password, readOnly), null);
    }

    /** The frame, in an array of exactly its size (see {@link JuteEncoder}). */
    private static byte[] frame(Record header, Record body) {
        return JuteEncoder.frame(header, body);
    }
}
