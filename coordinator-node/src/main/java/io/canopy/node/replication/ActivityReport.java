package io.canopy.node.replication;

import java.nio.ByteBuffer;

import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The read-only Ratis message a follower sends to the leader with the ids of sessions active on it. It is a
 * "read" only in Ratis's sense (it is not logged): on the leader it moves expiry deadlines, which are soft state.
 * Layout: tag byte, int count, count longs.
 */
final class ActivityReport {
    static final byte TAG = 'A';

    private ActivityReport() {
    }

    static Message encode(long[] sessionIds) {
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 8 * sessionIds.length);
        b.put(TAG).putInt(sessionIds.length);
        for (long id : sessionIds) {
            b.putLong(id);
        }
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(b.array()));
    }

    static boolean isReport(ByteString content) {
        return !content.isEmpty() && content.byteAt(0) == TAG;
    }

    /** @throws IllegalArgumentException if the message is not a well-formed report */
    static long[] decode(ByteString content) {
        ByteBuffer b = content.asReadOnlyByteBuffer();
        if (b.remaining() < 5 || b.get() != TAG) {
            throw new IllegalArgumentException("not a session activity report");
        }
        int count = b.getInt();
        if (count < 0 || count != b.remaining() / 8 || b.remaining() % 8 != 0) {
            throw new IllegalArgumentException("session activity report of " + b.remaining()
                    + " bytes announces " + count + " ids");
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = b.getLong();
        }
        return ids;
    }
}
