package io.canopy.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** Whatever bytes arrive, in whatever chunks: no exception, no frame over the limit, bounded buffering. */
class FrameDecoderPropertyTest {
    private static final int MAX = 256;

    @Property(tries = 500)
    void arbitraryChunksAreSafe(@ForAll @Size(max = 20) List<@Size(max = 600) byte[]> chunks) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        FrameDecoder decoder = ch.pipeline().get(FrameDecoder.class);
        for (byte[] chunk : chunks) {
            if (!ch.isOpen()) {
                break;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(chunk));
            ch.checkException();
            if (ch.isOpen()) {
                assertThat(decoder.buffered()).isLessThanOrEqualTo(MAX + 4);
            }
            Object out;
            while ((out = ch.readInbound()) != null) {
                if (out instanceof ByteBuf frame) {
                    assertThat(frame.readableBytes()).isLessThanOrEqualTo(MAX);
                    frame.release();
                } else {
                    assertThat(out).isInstanceOf(FourLetterWordRequest.class);
                }
            }
        }
        ch.finishAndReleaseAll();
    }

    @Property(tries = 300)
    void wellFormedFramesSurviveAnySplit(@ForAll @Size(max = 10) List<@Size(max = 256) byte[]> payloads,
                                         @ForAll @Size(min = 1, max = 50) List<Integer> cuts) {
        ByteBuf stream = Unpooled.buffer();
        for (byte[] p : payloads) {
            stream.writeInt(p.length).writeBytes(p);
        }
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        // The first four bytes of a stream could spell a four-letter word only if a length did: impossible here.
        int i = 0;
        while (stream.isReadable()) {
            int n = Math.min(stream.readableBytes(), 1 + Math.floorMod(cuts.get(i++ % cuts.size()), 64));
            ch.writeInbound(stream.readRetainedSlice(n));
        }
        stream.release();
        for (byte[] p : payloads) {
            ByteBuf frame = ch.readInbound();
            byte[] got = new byte[frame.readableBytes()];
            frame.readBytes(got);
            frame.release();
            assertThat(got).isEqualTo(p);
        }
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
