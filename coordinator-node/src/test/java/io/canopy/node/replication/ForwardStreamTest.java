package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream of runs alone, against gRPC servers that carry only the forwarding service: answers come back in
 * order, a refusal carries its reason, and a leader change, a server gone or a closed stream fail what awaits
 * an answer, after which the next run opens a new stream.
 */
class ForwardStreamTest {

    private final List<Server> servers = new ArrayList<>();
    private final Map<Integer, String> addresses = new HashMap<>();
    private final ForwardStream stream = new ForwardStream(addresses::get);

    @AfterEach
    void close() throws InterruptedException {
        stream.close();
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private Server serve(int node, Function<byte[], String> accept) throws Exception {
        Server s = ForwardStream.customizer(accept)
                .customize(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                        EnumSet.of(GrpcServices.Type.SERVER))
                .build().start();
        servers.add(s);
        addresses.put(node, "127.0.0.1:" + s.getPort());
        return s;
    }

    private static byte[] run(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void runsAreAnsweredInOrderAndARefusalCarriesItsReason() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        serve(2, run -> {
            String text = new String(run, StandardCharsets.UTF_8);
            received.add(text);
            return text.startsWith("bad") ? "refused " + text : null;
        });
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            answers.add(stream.forward(run((i % 10 == 9 ? "bad" : "run") + i), 2));
        }
        for (int i = 0; i < 100; i++) {
            if (i % 10 == 9) {
                assertThat(answers.get(i)).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                        .withMessageContaining("refused bad" + i);
            } else {
                assertThat(answers.get(i)).succeedsWithin(5, TimeUnit.SECONDS);
            }
        }
        assertThat(received).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(received.get(i)).endsWith(Integer.toString(i));
        }
    }

    @Test
    void aLeaderChangeFailsWhatAwaitsAnAnswerAndTheNextRunGoesToTheNewLeader() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        serve(2, run -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<String> atThree = new CopyOnWriteArrayList<>();
        serve(3, run -> {
            atThree.add(new String(run, StandardCharsets.UTF_8));
            return null;
        });
        CompletableFuture<Void> stuck = stream.forward(run("a"), 2);
        stream.leaderChanged(3);
        assertThat(stuck).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("the leader changed to n3");
        hold.countDown();
        assertThat(stream.forward(run("b"), 3)).succeedsWithin(5, TimeUnit.SECONDS);
        assertThat(atThree).containsExactly("b");
    }

    @Test
    void aServerGoneFailsWhatAwaitsAnAnswerAndANewStreamTakesTheNextRun() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        Server first = serve(2, run -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        CompletableFuture<Void> stuck = stream.forward(run("a"), 2);
        first.shutdownNow();
        assertThat(stuck).failsWithin(5, TimeUnit.SECONDS);
        hold.countDown();
        first.awaitTermination(5, TimeUnit.SECONDS);

        serve(2, run -> null);   // the same node back, on a new port
        stream.leaderChanged(2);
        assertThat(stream.forward(run("b"), 2)).succeedsWithin(5, TimeUnit.SECONDS);
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

    @Test
    void withNoLeaderKnownOrItsAddressUnknownARunFailsAtOnce() {
        assertThat(stream.forward(run("a"), -1)).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("no leader");
        assertThat(stream.forward(run("a"), 7)).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withMessageContaining("address of leader n7");
    }
}
