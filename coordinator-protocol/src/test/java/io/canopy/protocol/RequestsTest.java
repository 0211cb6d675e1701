package io.canopy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.Create2Response;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateResponse;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SetDataResponse;
import org.apache.zookeeper.proto.SetWatches2;
import org.junit.jupiter.api.Test;

class RequestsTest {
    static final List<ACL> OPEN = List.of(new ACL(31, new Id("world", "anyone")));

    @Test
    void decodesCreate() throws IOException {
        CreateRequest req = new CreateRequest("/a", "x".getBytes(), OPEN, 1);
        assertThat(Requests.decode(OpCode.CREATE, Jute.toBytes(req))).isEqualTo(req);
        assertThat(Requests.decode(OpCode.CREATE2, Jute.toBytes(req))).isEqualTo(req);
        assertThat(Requests.decode(OpCode.CREATE_CONTAINER, Jute.toBytes(req))).isEqualTo(req);
        CreateTTLRequest ttl = new CreateTTLRequest("/t", null, OPEN, 5, 1000);
        assertThat(Requests.decode(OpCode.CREATE_TTL, Jute.toBytes(ttl))).isEqualTo(ttl);
    }

    @Test
    void noBodyRequestsDecodeToNull() throws IOException {
        assertThat(Requests.decode(OpCode.WHO_AM_I, new byte[0])).isNull();
        assertThat(Requests.decode(OpCode.PING, new byte[0])).isNull();
    }

    @Test
    void rejectsUnknownOpcodesAndTruncation() {
        assertThatThrownBy(() -> Requests.decode(999, new byte[0])).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Requests.decode(OpCode.CREATE_SESSION, new byte[0])).isInstanceOf(IOException.class);
        byte[] full = Jute.toBytes(new CreateRequest("/a", "x".getBytes(), OPEN, 1));
        for (int i = 0; i < full.length; i++) {
            byte[] cut = java.util.Arrays.copyOf(full, i);
            assertThatThrownBy(() -> Requests.decode(OpCode.CREATE, cut)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void hugeLengthsFailFast() {
        byte[] body = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Requests.decode(OpCode.GET_DATA, body)).isInstanceOf(IOException.class);
        byte[] vector = {0, 0, 0, 0, 0, 0, 0, 0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Requests.decode(OpCode.SET_WATCHES2, vector)).isInstanceOf(IOException.class);
    }

    @Test
    void multiRoundTripsAndRejectsMixing() throws IOException {
        MultiRequest multi = new MultiRequest()
                .add(OpCode.CREATE, new CreateRequest("/a", new byte[0], OPEN, 0))
                .add(OpCode.CREATE_TTL, new CreateTTLRequest("/t", new byte[0], OPEN, 5, 10))
                .add(OpCode.DELETE, new DeleteRequest("/a", -1))
                .add(OpCode.SET_DATA, new SetDataRequest("/b", null, 3))
                .add(OpCode.CHECK, new CheckVersionRequest("/b", 4));
        assertThat(Requests.decode(OpCode.MULTI, Jute.toBytes(multi))).isEqualTo(multi);
        assertThatThrownBy(() -> Requests.decode(OpCode.MULTI_READ, Jute.toBytes(multi)))
                .isInstanceOf(IOException.class);
        MultiRequest reads = new MultiRequest()
                .add(OpCode.GET_DATA, new GetDataRequest("/a", false))
                .add(OpCode.GET_CHILDREN, new GetChildrenRequest("/", false));
        assertThat(Requests.decode(OpCode.MULTI_READ, Jute.toBytes(reads))).isEqualTo(reads);
        assertThatThrownBy(() -> Requests.decode(OpCode.MULTI, Jute.toBytes(reads))).isInstanceOf(IOException.class);
        assertThat(Requests.decode(OpCode.MULTI, Jute.toBytes(new MultiRequest()))).isEqualTo(new MultiRequest());
    }

    @Test
    void multiWireFormatMatchesZooKeeper() {
        // MultiHeader(1,false,-1) + CreateRequest + MultiHeader(-1,true,-1)
        MultiRequest multi = new MultiRequest().add(OpCode.DELETE, new DeleteRequest("/a", 7));
        byte[] b = Jute.toBytes(multi);
        byte[] expected = {0, 0, 0, 2, 0, -1, -1, -1, -1, 0, 0, 0, 2, '/', 'a', 0, 0, 0, 7,
                -1, -1, -1, -1, 1, -1, -1, -1, -1};
        assertThat(b).isEqualTo(expected);
    }

    @Test
    void multiResponseRoundTrips() throws IOException {
        Stat stat = new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        MultiResponse r = new MultiResponse()
                .add(new MultiResponse.Result(OpCode.CREATE, new CreateResponse("/a")))
                .add(new MultiResponse.Result(OpCode.CREATE2, new Create2Response("/b", stat)))
                .add(new MultiResponse.Result(OpCode.DELETE, null))
                .add(new MultiResponse.Result(OpCode.CHECK, null))
                .add(new MultiResponse.Result(OpCode.SET_DATA, new SetDataResponse(stat)))
                .add(new MultiResponse.Result(OpCode.GET_DATA, new GetDataResponse(new byte[] {1}, stat)))
                .add(new MultiResponse.Result(OpCode.GET_CHILDREN, new GetChildrenResponse(List.of("x"))))
                .add(MultiResponse.Result.error(-101));
        MultiResponse back = Jute.fromBytes(Jute.toBytes(r), new MultiResponse());
        assertThat(back.results()).hasSize(8);
        assertThat(Jute.toBytes(back)).isEqualTo(Jute.toBytes(r));
        assertThat(back.results().get(7).err()).isEqualTo(-101);
    }

    @Test
    void setWatches2Decodes() throws IOException {
        SetWatches2 sw = new SetWatches2(5, List.of("/a"), List.of(), List.of("/b"), List.of(), List.of("/c"));
        assertThat(Requests.decode(OpCode.SET_WATCHES2, Jute.toBytes(sw))).isEqualTo(sw);
    }
}
