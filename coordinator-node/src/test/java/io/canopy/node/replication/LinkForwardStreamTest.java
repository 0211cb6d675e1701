package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Runs over a leader's replication link port ({@link ForwardLink}), served by a {@link ReplicationLink} without a
 * Raft server; beyond the contract, what only a plain socket has to take care of: a quiet stream outlives the
 * link timeout (it pings), a send the leader does not read breaks the stream within it, a leader that gets a
 * frame that is not a run closes the connection, and a leader whose link does not take runs (an earlier version)
 * gets them over gRPC.
 */
class LinkForwardStreamTest extends ForwardStreamContract {
    /** Short, so that silence and stuck sends show within a test. */
    private static final Duration TIMEOUT = Duration.ofMillis(600);

    /** Where a node serves runs over gRPC, if it does (a leader of an earlier version). */
    private final Map<Integer, String> grpcAddresses = new ConcurrentHashMap<>();

    @Override
    ForwardStream newStream() {
        // a lambda, not grpcAddresses::get: the base class builds the stream before this class's fields are set
        return new ForwardStream(node -> grpcAddresses.get(node), addresses::get, TIMEOUT);
    }

    @Override
    Leader start(int node, Function<byte[], String> accept) throws Exception {
        int port = freePort();
        ReplicationLink link = new ReplicationLink(null, "127.0.0.1", port, TIMEOUT, accept);
        addresses.put(node, "127.0.0.1:" + port);
        return link::close;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    @Test
    void aQuietStreamOutlivesTheLinkTimeout() throws Exception {
        List<String> received = serveQueuing(2);
        CompletableFuture<Void> held = stream.forward(run("a"), 2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.contains("a"));
        // The leader closes a connection silent for TIMEOUT, which would fail the held run: the pings keep it.
        await().during(TIMEOUT.multipliedBy(4)).atMost(TIMEOUT.multipliedBy(6)).until(() -> !held.isDone());
        CompletableFuture<Void> next = stream.forward(run("b"), 2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> received.contains("b"));
        assertThat(received).containsExactly("a", "b");
        assertThat(next).isNotDone();
        assertThat(stream.held()).isEqualTo(2);
    }

    @Test
    void aSendTheLeaderDoesNotReadBreaksTheStreamWithinTheLinkTimeout() throws Exception {
        try (ServerSocket deaf = new ServerSocket()) {
            deaf.setReceiveBufferSize(4096);
            deaf.bind(new InetSocketAddress("127.0.0.1", 0));
            addresses.put(2, "127.0.0.1:" + deaf.getLocalPort());
            try (Socket accepted = acceptLater(deaf)) {
                // far more than both sockets' buffers: the write blocks until the stream's watch closes it
                CompletableFuture<Void> stuck = stream.forward(new byte[32 << 20], 2);
                assertThat(stuck).failsWithin(TIMEOUT.multipliedBy(8)).withThrowableThat()
                        .withMessageContaining("n2");
                assertThat(stream.forward(run("next"), 2)).as("a new stream, to a leader that reads nothing")
                        .isNotDone();
            }
        }
    }

    @Test
    void aLeaderClosesAConnectionOfRunsThatCarriesAnythingElse() throws Exception {
        List<String> received = serveQueuing(2);
        String[] hostPort = addresses.get(2).split(":");
        try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            s.setSoTimeout(5_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(ForwardLink.MAGIC);
            out.writeInt(5);
            out.writeByte(ReplicationLink.APPEND);   // an append where runs go
            out.writeInt(0);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(in.readInt()).as("the leader takes runs here").isEqualTo(ForwardLink.MAGIC);
            assertThat(in.read()).as("closed without an answer").isEqualTo(-1);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void runsGoOverGrpcToALeaderWhoseLinkClosesTheirStreamUnansweredUntilTheLeaderChanges() throws Exception {
        // A leader of an earlier version: its link closes a connection that opens with another magic, and it
        // takes runs over gRPC.
        List<String> overGrpc = new CopyOnWriteArrayList<>();
        Server grpc = ForwardStream.customizer(run -> {
            overGrpc.add(text(run));
            return null;
        }).customize(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                EnumSet.of(GrpcServices.Type.SERVER)).build().start();
        try (ServerSocket oldLink = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            oldLink.setSoTimeout(5_000);
            grpcAddresses.put(2, "127.0.0.1:" + grpc.getPort());
            addresses.put(2, "127.0.0.1:" + oldLink.getLocalPort());
            CompletableFuture<Void> first = stream.forward(run("a"), 2);
            oldLink.accept().close();
            assertThat(first).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                    .withMessageContaining("does not take runs on its link");
            CompletableFuture<Void> second = stream.forward(run("b"), 2);
            await().atMost(5, TimeUnit.SECONDS).until(() -> overGrpc.contains("b"));
            assertThat(second).isNotDone();
            // another leader, then n2 again (restarted, perhaps on the new version): its link is tried again
            stream.leaderChanged(3);
            stream.leaderChanged(2);
            CompletableFuture<Void> third = stream.forward(run("c"), 2);
            oldLink.accept().close();
            assertThat(third).failsWithin(5, TimeUnit.SECONDS);
            assertThat(overGrpc).containsExactly("b");
        } finally {
            grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Accepts one connection on another thread (the test thread is about to block sending). */
    private static Socket acceptLater(ServerSocket server) {
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return new Socket() {
            @Override
            public synchronized void close() throws IOException {
                Socket s = accepted.getNow(null);
                if (s != null) {
                    s.close();
                }
                super.close();
            }
        };
    }
}
