package io.canopy.protocol.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.SetDataRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.Requests;

/**
 * The cost of ZooKeeper's published Jute records (the path Canopy takes: {@link Requests#decode} and
 * {@link Jute#toBytes}) against the best case of a hand-written codec over a {@link ByteBuffer}, for the hottest
 * request and reply: setData with 1 KiB and getData's reply. Run with {@code coordinator-protocol/run-jmh.sh}
 * ({@code -prof gc} adds the bytes each allocates).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private static final String PATH = "/bench/session-0007/key-000042";

    private byte[] setDataBody;
    private byte[] data;
    private Stat stat;

    @Setup
    public void setUp() {
        data = new byte[1024];
        setDataBody = Jute.toBytes(new SetDataRequest(PATH, data, -1));
        stat = new Stat(0x100000001L, 0x200000005L, 1_700_000_000_000L, 1_700_000_001_000L, 7, 0, 0, 0, 1024, 0,
                0x100000001L);
    }

    @Benchmark
    public Object juteDecodeSetData() throws IOException {
        return Requests.decode(OpCode.SET_DATA, setDataBody);
    }

    @Benchmark
    public Object handDecodeSetData() {
        ByteBuffer b = ByteBuffer.wrap(setDataBody);
        byte[] path = new byte[b.getInt()];
        b.get(path);
        byte[] value = new byte[b.getInt()];
        b.get(value);
        return new SetDataRequest(new String(path, StandardCharsets.UTF_8), value, b.getInt());
    }

    /** What the node does: Jute's records through {@link io.canopy.protocol.JuteEncoder} (count, then write). */
    @Benchmark
    public byte[] juteEncodeGetDataReply() {
        return Jute.toBytes(new GetDataResponse(data, stat));
    }

    /**
     * Jute's records through ZooKeeper's own {@code BinaryOutputArchive}, into a stream presized from the data
     * length: what the node did before {@code JuteEncoder} (each archive allocates a 1 KiB string buffer).
     */
    @Benchmark
    public byte[] juteEncodeGetDataReplyViaBinaryOutputArchive() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(data.length + 128);
        new GetDataResponse(data, stat).serialize(org.apache.jute.BinaryOutputArchive.getArchive(out), "");
        return out.toByteArray();
    }

    @Benchmark
    public byte[] handEncodeGetDataReply() {
        ByteBuffer b = ByteBuffer.allocate(4 + data.length + 68);
        b.putInt(data.length).put(data);
        b.putLong(stat.getCzxid()).putLong(stat.getMzxid()).putLong(stat.getCtime()).putLong(stat.getMtime())
                .putInt(stat.getVersion()).putInt(stat.getCversion()).putInt(stat.getAversion())
                .putLong(stat.getEphemeralOwner()).putInt(stat.getDataLength()).putInt(stat.getNumChildren())
                .putLong(stat.getPzxid());
        return b.array();
    }
}
