package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.RequestHeader;
import org.apache.zookeeper.proto.SetWatches;

import io.canopy.protocol.OpCode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Mutated and random request frames after a valid handshake: the server never changes the tree for them, keeps
 * serving everyone else, and drops each connection's state when it goes away (memory stays bounded).
 */
class ServerFuzzPropertyTest {
    private static TestServer server;

    @BeforeContainer
    static void start() throws Exception {
        server = TestServer.start();
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A read (or watch) request's frame with a few bytes of its body or xid flipped; the type is kept. */
    record Mutation(int type, byte[] frame) {
    }

    @Provide
    Arbitrary<List<Mutation>> mutatedReads() {
        return mutatedRead().list().ofMaxSize(8);
    }

    private Arbitrary<Mutation> mutatedRead() {
        Arbitrary<Record> requests = Arbitraries.of(
                new GetDataRequest("/", true), new ExistsRequest("/nothing/here", true),
                new GetChildrenRequest("/zookeeper", true),
                new SetWatches(0, List.of("/a"), List.of("/b"), List.of("/c")));
        return Combinators.combine(requests, Arbitraries.integers().list().ofMaxSize(6),
                Arbitraries.integers().between(0, 255)).as((request, positions, value) -> {
                    int type = request instanceof GetDataRequest ? OpCode.GET_DATA
                            : request instanceof ExistsRequest ? OpCode.EXISTS
                            : request instanceof GetChildrenRequest ? OpCode.GET_CHILDREN : OpCode.SET_WATCHES;
                    byte[] frame;
                    try {
                        frame = RawClient.bytes(new RequestHeader(1, type), request);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int p : positions) {
                        int at = Math.floorMod(p, frame.length);
                        if (at < 4 || at >= 8) { // never the type field
                            frame[at] ^= (byte) (value | 1);
                        }
                    }
                    return new Mutation(type, frame);
                });
    }

    @Property(tries = 40)
    void mutatedReadsChangeNothing(@ForAll("mutatedReads") List<Mutation> frames) throws Exception {
        long nodes = server.service.status().nodeCount();
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            for (Mutation m : frames) {
                raw.sendFrame(m.frame());
            }
            raw.closedByServer(java.time.Duration.ofMillis(50));
        }
        assertServerHealthy(nodes);
    }

    @Property(tries = 40)
    void randomBodiesOfEveryTypeNeverHurtTheServer(@ForAll @Size(max = 8) List<@Size(max = 64) byte[]> bodies,
                                                   @ForAll @Size(max = 8) List<Integer> types) throws Exception {
        long nodes = server.service.status().nodeCount();
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            for (int i = 0; i < bodies.size(); i++) {
                int type = types.isEmpty() ? OpCode.GET_DATA : readOnlyType(types.get(i % types.size()));
                byte[] header = RawClient.bytes(new RequestHeader(i, type), null);
                byte[] frame = new byte[header.length + bodies.get(i).length];
                System.arraycopy(header, 0, frame, 0, header.length);
                System.arraycopy(bodies.get(i), 0, frame, header.length, bodies.get(i).length);
                raw.sendFrame(frame);
            }
            raw.closedByServer(java.time.Duration.ofMillis(50));
        }
        assertServerHealthy(nodes);
    }

    /** Any opcode that cannot change the tree, including unknown ones. */
    private static int readOnlyType(int seed) {
        int[] types = {OpCode.GET_DATA, OpCode.EXISTS, OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2, OpCode.GET_ACL,
            OpCode.SYNC, OpCode.PING, OpCode.SET_WATCHES, OpCode.SET_WATCHES2, OpCode.ADD_WATCH,
            OpCode.REMOVE_WATCHES, OpCode.CHECK_WATCHES, OpCode.MULTI_READ, OpCode.WHO_AM_I, OpCode.AUTH,
            OpCode.SASL, OpCode.GET_EPHEMERALS, OpCode.GET_ALL_CHILDREN_NUMBER, 0, 999, -100, 10, 23};
        return types[Math.floorMod(seed, types.length)];
    }

    private static void assertServerHealthy(long nodesBefore) throws Exception {
        await().atMost(Timing.seconds(5)).until(() -> server.service.connections().isEmpty());
        assertThat(server.service.status().nodeCount()).isEqualTo(nodesBefore);
        assertThat(server.service.status().outstandingRequests()).isZero();
        assertThat(RawClient.fourLetterWord(server.port(), "ruok")).isEqualTo("imok");
    }
}
