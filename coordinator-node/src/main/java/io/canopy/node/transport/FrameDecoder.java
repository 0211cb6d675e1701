package io.canopy.node.transport;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Splits the client byte stream into frames: a 4-byte big-endian length, then that many bytes. As ZooKeeper does,
 * the first four bytes of a connection may instead be a four-letter word (they would read as an absurd length),
 * which is passed on as a {@link FourLetterWordRequest}. A negative length or one above the packet limit
 * (jute.maxbuffer) closes the connection before anything is buffered or parsed.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(FrameDecoder.class);

    private final int maxFrameBytes;
    private boolean first = true;
    private boolean failed;

    public FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Bytes buffered while waiting for the rest of a frame (bounded by the limit plus the length prefix). */
    int buffered() {
        return internalBuffer().readableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int start = in.readerIndex();
        if (first) {
            first = false;
            String word = in.toString(start, 4, StandardCharsets.ISO_8859_1);
            if (FourLetterWords.isKnown(word)) {
                in.skipBytes(in.readableBytes());
                failed = true; // nothing after a four-letter word is read
                out.add(new FourLetterWordRequest(word));
                return;
            }
        }
        int length = in.getInt(start);
        if (length < 0 || length > maxFrameBytes) {
            LOG.warn("Closing connection from {}: frame length {} is outside 0..{} (jute.maxbuffer)",
                    ctx.channel().remoteAddress(), length, maxFrameBytes);
            failed = true;
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (in.readableBytes() < 4 + length) {
            return;
        }
        in.skipBytes(4);
        out.add(in.readRetainedSlice(length));
    }
}
