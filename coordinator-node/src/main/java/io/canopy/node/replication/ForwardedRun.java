package io.canopy.node.replication;

import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The read-only Ratis message that carries one of a follower's runs ({@code BatchCodec.encodeRun}) to the leader,
 * which puts it in its next log entry with its own transactions and the other followers' runs. A "read" only in
 * Ratis's sense: the message itself is not logged, and the leader answers it once the run is queued. Layout: tag
 * byte, then the run.
 */
final class ForwardedRun {
    static final byte TAG = 'R';
    private static final ByteString TAG_BYTES = ByteString.copyFrom(new byte[] {TAG});

    private ForwardedRun() {
    }

    static Message encode(byte[] run) {
        return Message.valueOf(TAG_BYTES.concat(UnsafeByteOperations.unsafeWrap(run)));
    }

    static boolean isRun(ByteString content) {
        return content.size() > 1 && content.byteAt(0) == TAG;
    }

    /** The encoded run (unchecked: see {@code BatchCodec.checkRun}). */
    static byte[] decode(ByteString content) {
        return content.substring(1).toByteArray();
    }
}
