package io.canopy.node.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.WatcherEvent;

import io.canopy.core.watch.WatchEvent;
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

    /** The handshake answer; the readOnly flag is part of the 3.9 record. */
    public static byte[] connectResponse(int timeoutMillis, long sessionId, byte[] password) {
        return frame(new ConnectResponse(0, timeoutMillis, sessionId, password, false), null);
    }

    private static byte[] frame(Record header, Record body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(0);
        out.write(0);
        out.write(0);
        out.write(0);
        try {
            BinaryOutputArchive archive = BinaryOutputArchive.getArchive(out);
            header.serialize(archive, "header");
            if (body != null) {
                body.serialize(archive, "response");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        ByteBuffer.wrap(bytes).putInt(0, bytes.length - 4);
        return bytes;
    }
}
