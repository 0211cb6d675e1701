package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.junit.jupiter.api.Test;

import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;

class RequestCodecTest {

    @Test
    void classifiesLikeZooKeepersPipeline() {
        assertThat(RequestCodec.kind(OpCode.CREATE2)).isEqualTo(RequestCodec.Kind.WRITE);
        assertThat(RequestCodec.kind(OpCode.CLOSE_SESSION)).isEqualTo(RequestCodec.Kind.WRITE);
        assertThat(RequestCodec.kind(OpCode.GET_DATA)).isEqualTo(RequestCodec.Kind.READ);
        assertThat(RequestCodec.kind(OpCode.PING)).isEqualTo(RequestCodec.Kind.READ);
        assertThat(RequestCodec.kind(OpCode.SET_WATCHES2)).isEqualTo(RequestCodec.Kind.READ);
        assertThat(RequestCodec.kind(OpCode.SYNC)).isEqualTo(RequestCodec.Kind.SYNC);
        assertThat(RequestCodec.kind(OpCode.AUTH)).isEqualTo(RequestCodec.Kind.AUTH);
        assertThat(RequestCodec.kind(OpCode.CREATE_SESSION)).isEqualTo(RequestCodec.Kind.UNKNOWN);
        assertThat(RequestCodec.kind(999)).isEqualTo(RequestCodec.Kind.UNKNOWN);
        assertThat(RequestCodec.kind(OpCode.NOTIFICATION)).isEqualTo(RequestCodec.Kind.UNKNOWN);
    }

    @Test
    void decodesAValidBody() throws Exception {
        byte[] body = Jute.toBytes(new CreateRequest("/a", new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE, 0));
        assertThat(RequestCodec.decode(OpCode.CREATE, body)).isInstanceOf(CreateRequest.class);
    }

    @Test
    void refusesTruncatedBodiesAndNullPaths() {
        byte[] body = Jute.toBytes(new CreateRequest("/a", new byte[] {1}, List.of(), 0));
        byte[] truncated = java.util.Arrays.copyOf(body, body.length - 2);
        assertThatThrownBy(() -> RequestCodec.decode(OpCode.CREATE, truncated))
                .isInstanceOf(RequestCodec.MalformedRequestException.class);
        byte[] nullPath = Jute.toBytes(new GetDataRequest(null, false));
        assertThatThrownBy(() -> RequestCodec.decode(OpCode.GET_DATA, nullPath))
                .isInstanceOf(RequestCodec.MalformedRequestException.class);
    }
}
