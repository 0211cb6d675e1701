package io.canopy.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

class FrameDecoderTest {
    private static final int MAX = 1024;

    private static ByteBuf frame(int length, int fill) {
        ByteBuf buf = Unpooled.buffer(4 + length);
        buf.writeInt(length);
        for (int i = 0; i < length; i++) {
            buf.writeByte(fill);
        }
        return buf;
    }

    @Test
    void splitsFramesAcrossAndWithinReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ByteBuf both = Unpooled.wrappedBuffer(frame(3, 1), frame(5, 2));
        ch.writeInbound(both.readRetainedSlice(6));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(both.readRetainedSlice(both.readableBytes()));
        both.release();
        ByteBuf first = ch.readInbound();
        ByteBuf second = ch.readInbound();
        assertThat(first.readableBytes()).isEqualTo(3);
        assertThat(second.readableBytes()).isEqualTo(5);
        assertThat(second.getByte(0)).isEqualTo((byte) 2);
        first.release();
        second.release();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void acceptsAFrameOfExactlyTheLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ch.writeInbound(frame(MAX, 7));
        ByteBuf f = ch.readInbound();
        assertThat(f.readableBytes()).isEqualTo(MAX);
        f.release();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void closesOnAFrameOverTheLimitWithoutBufferingIt() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ByteBuf header = Unpooled.buffer(8).writeInt(MAX + 1).writeInt(0);
        ch.writeInbound(header);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closesOnANegativeLength() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ch.writeInbound(Unpooled.buffer(4).writeInt(-1));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void recognisesAFourLetterWordOnlyAtTheStart() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ch.writeInbound(Unpooled.copiedBuffer("ruok", StandardCharsets.US_ASCII));
        assertThat((Object) ch.readInbound()).isEqualTo(new FourLetterWordRequest("ruok"));

        EmbeddedChannel later = new EmbeddedChannel(new FrameDecoder(MAX));
        later.writeInbound(frame(1, 0));
        ((ByteBuf) later.readInbound()).release();
        later.writeInbound(Unpooled.copiedBuffer("ruok", StandardCharsets.US_ASCII));
        assertThat((Object) later.readInbound()).isNull();
        assertThat(later.isOpen()).isFalse(); // "ruok" read as a length is far over the limit
    }

    @Test
    void anUnknownWordIsALength() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        ch.writeInbound(Unpooled.copiedBuffer("abcd", StandardCharsets.US_ASCII));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
    }
}
