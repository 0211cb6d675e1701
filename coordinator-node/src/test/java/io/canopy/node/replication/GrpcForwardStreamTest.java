package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.Test;

/** Runs over gRPC, to a leader without a replication link: gRPC servers that carry only the forwarding service. */
class GrpcForwardStreamTest extends ForwardStreamContract {

    @Override
    ForwardStream newStream() {
        return new ForwardStream(addresses::get);
    }

    @Override
    Leader start(int node, Function<byte[], String> accept) throws Exception {
        Server s = ForwardStream.customizer(accept)
                .customize(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                        EnumSet.of(GrpcServices.Type.SERVER))
                .build().start();
        addresses.put(node, "127.0.0.1:" + s.getPort());
        return () -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void forwardedRunsAndRatisAppendsRunOnTheEventLoopAndNothingElseDoes() {
        assertThat(ForwardStream.onEventLoop("canopy.Forward/Runs")).isTrue();
        assertThat(ForwardStream.onEventLoop(
                RaftServerProtocolServiceGrpc.getAppendEntriesMethod().getFullMethodName())).isTrue();
        // votes, snapshots and read indexes stay on gRPC's executor: their handlers may wait
        assertThat(ForwardStream.onEventLoop(
                RaftServerProtocolServiceGrpc.getRequestVoteMethod().getFullMethodName())).isFalse();
        assertThat(ForwardStream.onEventLoop(
                RaftServerProtocolServiceGrpc.getInstallSnapshotMethod().getFullMethodName())).isFalse();
        assertThat(ForwardStream.onEventLoop(
                RaftServerProtocolServiceGrpc.getReadIndexMethod().getFullMethodName())).isFalse();
    }
}
