package io.canopy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.InputArchive;
import org.apache.jute.OutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.GetACLResponse;
import org.apache.zookeeper.proto.GetChildren2Response;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.SetWatches2;
import org.apache.zookeeper.proto.WatcherEvent;
import org.junit.jupiter.api.Test;

/**
 * JuteEncoder writes what ZooKeeper's BinaryOutputArchive writes, byte for byte: the official client reads what
 * it would read from ZooKeeper. Checked on the records the node sends and on one that uses every kind of field.
 */
class JuteEncoderTest {
    private static final Stat STAT = new Stat(0x100000001L, 0x200000005L, 1_700_000_000_000L, 1_700_000_001_000L, 7,
            -3, 2, 0x1234_5678_9abc_def0L, 1024, 5, 0x100000009L);
    /** ASCII, two- and three-byte chars, and a surrogate pair (Jute encodes each half on its own). */
    private static final String MIXED = "/a/é/ß/€/中/\uD83D\uDE00/end";

    @Test
    void theRepliesTheNodeSendsAreEncodedAsJuteEncodesThem() throws IOException {
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        List<Record> records = List.of(
                new ReplyHeader(42, 0x300000001L, 0),
                new ReplyHeader(-1, -1, -101),
                new GetDataResponse(data, STAT),
                new GetDataResponse(null, STAT),
                new GetDataResponse(new byte[0], new Stat()),
                new WatcherEvent(3, 3, MIXED),
                new WatcherEvent(1, 3, null),
                new ConnectResponse(0, 30_000, 0x1000000abcL, new byte[16], true),
                new CreateResponse(MIXED + "0000000007"),
                new GetChildren2Response(List.of("a", "é", "\uD83D\uDE00", ""), STAT),
                new GetChildren2Response(List.of(), STAT),
                new GetChildren2Response(null, STAT),
                new GetACLResponse(new ArrayList<>(List.of(new ACL(31, new Id("digest", "u:h=")),
                        new ACL(1, new Id("world", "anyone")))), STAT),
                new SetWatches2(7L, List.of("/x"), List.of(), List.of(MIXED), List.of(), List.of("/p")),
                new MultiResponse(List.of(new MultiResponse.Result(OpCode.CREATE, new CreateResponse("/m")),
                        MultiResponse.Result.error(-101))),
                new EveryKind());
        for (Record r : records) {
            assertThat(JuteEncoder.toBytes(r)).as("%s", r.getClass().getSimpleName()).isEqualTo(jute(r));
        }
    }

    @Test
    void aFrameIsTheLengthOfWhatFollowsThenTheHeaderThenTheBody() throws IOException {
        ReplyHeader header = new ReplyHeader(5, 0x100000002L, 0);
        GetDataResponse body = new GetDataResponse(new byte[] {1, 2, 3}, STAT);

        byte[] frame = JuteEncoder.frame(header, body);

        byte[] expected = concat(jute(header), jute(body));
        assertThat(ByteBuffer.wrap(frame).getInt()).isEqualTo(expected.length);
        assertThat(frame).hasSize(4 + expected.length);
        assertThat(ByteBuffer.wrap(frame, 4, expected.length).slice()).isEqualTo(ByteBuffer.wrap(expected));
        assertThat(JuteEncoder.frame(header, null)).hasSize(4 + jute(header).length);
    }

    @Test
    void aRecordThatChangesBetweenTheTwoPassesIsRefusedRatherThanSentTruncated() {
        Record shifty = new Record() {
            private int calls;

            @Override
            public void serialize(OutputArchive archive, String tag) throws IOException {
                archive.writeString(calls++ == 0 ? "short" : "much longer", tag);
            }

            @Override
            public void deserialize(InputArchive archive, String tag) {
                throw new UnsupportedOperationException();
            }
        };
        assertThatThrownBy(() -> JuteEncoder.toBytes(shifty)).isInstanceOfAny(IllegalStateException.class,
                ArrayIndexOutOfBoundsException.class);
    }

    @Test
    void stringLengthsCountTheBytesOfJutesEncoding() {
        assertThat(JuteEncoder.utf8Length("")).isZero();
        assertThat(JuteEncoder.utf8Length("abc")).isEqualTo(3);
        assertThat(JuteEncoder.utf8Length("é")).isEqualTo(2);
        assertThat(JuteEncoder.utf8Length("€")).isEqualTo(3);
        assertThat(JuteEncoder.utf8Length("\uD83D\uDE00")).isEqualTo(6);
    }

    private static byte[] jute(Record r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.serialize(BinaryOutputArchive.getArchive(out), "");
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** A record with every kind of field Jute has, nulls included. */
    private static final class EveryKind implements Record {
        @Override
        public void serialize(OutputArchive a, String tag) throws IOException {
            a.startRecord(this, tag);
            a.writeByte((byte) -7, "b");
            a.writeBool(true, "t");
            a.writeBool(false, "f");
            a.writeInt(Integer.MIN_VALUE, "i");
            a.writeLong(Long.MIN_VALUE + 3, "l");
            a.writeFloat(-1.5f, "fl");
            a.writeDouble(Math.PI, "d");
            a.writeString(null, "ns");
            a.writeString("", "es");
            a.writeBuffer(null, "nb");
            a.writeBuffer(new byte[0], "eb");
            a.startVector(null, "nv");
            a.endVector(null, "nv");
            TreeMap<String, String> map = new TreeMap<>();
            map.put("k", "v");
            a.startMap(map, "m");
            a.writeString("k", "key");
            a.writeString("v", "value");
            a.endMap(map, "m");
            a.writeRecord(STAT, "stat");
            a.endRecord(this, tag);
        }

        @Override
        public void deserialize(InputArchive archive, String tag) {
            throw new UnsupportedOperationException();
        }
    }
}
