package io.canopy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ErrorResponse;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetDataResponse;
import org.apache.zookeeper.proto.SetWatches2;

/** Hostile bytes never escape Requests.decode as anything but IOException, and multi records round-trip. */
class RequestsPropertyTest {
    static final int[] OPCODES = {OpCode.CREATE, OpCode.DELETE, OpCode.EXISTS, OpCode.GET_DATA, OpCode.SET_DATA,
            OpCode.GET_ACL, OpCode.SET_ACL, OpCode.GET_CHILDREN, OpCode.SYNC, OpCode.PING, OpCode.GET_CHILDREN2,
            OpCode.CHECK, OpCode.MULTI, OpCode.CREATE2, OpCode.RECONFIG, OpCode.CHECK_WATCHES, OpCode.REMOVE_WATCHES,
            OpCode.CREATE_CONTAINER, OpCode.CREATE_TTL, OpCode.MULTI_READ, OpCode.AUTH, OpCode.SET_WATCHES,
            OpCode.SASL, OpCode.GET_EPHEMERALS, OpCode.GET_ALL_CHILDREN_NUMBER, OpCode.SET_WATCHES2,
            OpCode.ADD_WATCH, OpCode.WHO_AM_I, 0, 10, 23, 99, 108, -10, -11, 1001};

    @Property(tries = 2000)
    void randomBytesOnlyEverFailWithIoException(@ForAll @IntRange(min = 0, max = 1000) int op,
                                                 @ForAll @Size(max = 64) byte[] body) {
        decodeSafely(OPCODES[op % OPCODES.length], body);
    }

    @Property(tries = 2000)
    void mutatedValidBodiesOnlyEverFailWithIoException(@ForAll("validBodies") byte[] valid,
                                                       @ForAll @IntRange(min = 0, max = 1000) int position,
                                                       @ForAll byte value, @ForAll @IntRange(min = 0, max = 2) int kind,
                                                       @ForAll @IntRange(min = 0, max = 1000) int op) {
        byte[] b = valid.clone();
        if (b.length > 0) {
            int p = position % b.length;
            switch (kind) {
                case 0 -> b[p] = value;
                case 1 -> b = java.util.Arrays.copyOf(b, p);
                default -> b[p] = (byte) 0x7f;
            }
        }
        decodeSafely(OPCODES[op % OPCODES.length], b);
        decodeSafely(OpCode.MULTI, b);
    }

    private static void decodeSafely(int opCode, byte[] body) {
        try {
            Requests.decode(opCode, body);
        } catch (IOException expected) {
            // fine: malformed input is an IOException
        }
    }

    @Provide
    Arbitrary<byte[]> validBodies() {
        return ops().list().ofMaxSize(5).map(list -> {
            MultiRequest m = new MultiRequest();
            list.forEach(op -> m.add(op.type(), op.request()));
            return Jute.toBytes(m);
        });
    }

    private Arbitrary<MultiRequest.Op> ops() {
        Arbitrary<String> paths = Arbitraries.strings().withCharRange('a', 'e').ofMaxLength(6).map(s -> "/" + s);
        Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(8).injectNull(0.2);
        Arbitrary<Integer> versions = Arbitraries.integers().between(-2, 5);
        List<ACL> open = List.of(new ACL(31, new Id("world", "anyone")));
        return Arbitraries.oneOf(
                Combinators.combine(paths, data, Arbitraries.integers().between(0, 6))
                        .as((p, d, f) -> new MultiRequest.Op(OpCode.CREATE, new CreateRequest(p, d, open, f))),
                Combinators.combine(paths, data, Arbitraries.longs().between(-1, 100000))
                        .as((p, d, t) -> new MultiRequest.Op(OpCode.CREATE_TTL,
                                new CreateTTLRequest(p, d, open, 5, t))),
                Combinators.combine(paths, versions)
                        .as((p, v) -> new MultiRequest.Op(OpCode.DELETE, new DeleteRequest(p, v))),
                Combinators.combine(paths, data, versions)
                        .as((p, d, v) -> new MultiRequest.Op(OpCode.SET_DATA, new SetDataRequest(p, d, v))),
                Combinators.combine(paths, versions)
                        .as((p, v) -> new MultiRequest.Op(OpCode.CHECK, new CheckVersionRequest(p, v))));
    }

    @Property(tries = 300)
    void multiRequestRoundTrips(@ForAll("multiRequests") MultiRequest multi) throws IOException {
        byte[] bytes = Jute.toBytes(multi);
        Record back = Requests.decode(OpCode.MULTI, bytes);
        assertThat(Jute.toBytes(back)).isEqualTo(bytes);
        assertThat(back).isEqualTo(multi);
    }

    @Provide
    Arbitrary<MultiRequest> multiRequests() {
        return ops().list().ofMaxSize(6).map(MultiRequest::new);
    }

    @Property(tries = 300)
    void multiResponseRoundTrips(@ForAll @Size(max = 6) List<@IntRange(min = 0, max = 3) Integer> kinds,
                                 @ForAll long zxid) throws IOException {
        MultiResponse r = new MultiResponse();
        Stat stat = new Stat(zxid, zxid, 1, 2, 3, 4, 5, 0, 6, 7, zxid);
        for (int k : kinds) {
            r.add(switch (k) {
                case 0 -> new MultiResponse.Result(OpCode.CREATE2, new Create2Response("/p" + k, stat));
                case 1 -> new MultiResponse.Result(OpCode.SET_DATA, new SetDataResponse(stat));
                case 2 -> new MultiResponse.Result(OpCode.DELETE, null);
                default -> new MultiResponse.Result(OpCode.ERROR, new ErrorResponse(-101));
            });
        }
        byte[] bytes = Jute.toBytes(r);
        MultiResponse back = Jute.fromBytes(bytes, new MultiResponse());
        assertThat(Jute.toBytes(back)).isEqualTo(bytes);
    }

    @Property(tries = 200)
    void otherRecordsRoundTrip(@ForAll @Size(max = 4) List<@Size(max = 5) String> watches, @ForAll long zxid)
            throws IOException {
        SetWatches2 sw = new SetWatches2(zxid, watches, watches, watches, watches, watches);
        assertThat(Requests.decode(OpCode.SET_WATCHES2, Jute.toBytes(sw))).isEqualTo(sw);
        SetACLRequest sa = new SetACLRequest("/x", List.of(new ACL(1, new Id("digest", "u:p"))), 3);
        assertThat(Requests.decode(OpCode.SET_ACL, Jute.toBytes(sa))).isEqualTo(sa);
    }
}
