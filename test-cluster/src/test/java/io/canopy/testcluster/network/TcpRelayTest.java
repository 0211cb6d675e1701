package io.canopy.testcluster.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay on real loopback sockets: an echo server upstream, a client in front. "Nothing arrives" is checked
 * with a short read timeout (QUIET_MS): long enough for a byte to cross loopback many times over.
 */
class TcpRelayTest {
    private static final String RELAY_HOST = "127.0.5.1";
    private static final int QUIET_MS = 300;
    private static final int PATIENCE_MS = 5_000;

    private EchoServer upstream;
    private TcpRelay relay;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void startUpstreamAndRelay() throws IOException {
        upstream = new EchoServer("127.0.0.1");
        relay = new TcpRelay("test");
    }

    @AfterEach
    void closeEverything() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        relay.close();
        upstream.close();
    }

    private TcpRelay.Link openLink() {
        return relay.open("a->b", new InetSocketAddress(RELAY_HOST, 0), upstream.address());
    }

    private Socket connect(TcpRelay.Link link) throws IOException {
        Socket socket = new Socket();
        clients.add(socket);
        socket.connect(link.listenAddress(), PATIENCE_MS);
        socket.setSoTimeout(PATIENCE_MS);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** Reads exactly {@code length} bytes within the socket's timeout. */
    private static String receive(Socket socket, int length) throws IOException {
        byte[] bytes = socket.getInputStream().readNBytes(length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Asserts that nothing arrives (neither bytes nor the end of the stream) for QUIET_MS. */
    private static void assertSilent(Socket socket) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(QUIET_MS);
        try {
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** Waits up to PATIENCE_MS for what the relay's thread does after the bytes have moved. */
    private static void awaitCondition(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + PATIENCE_MS;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within %d ms", PATIENCE_MS).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void bytesFlowBothWaysThroughAnOpenLink() throws IOException {
        TcpRelay.Link link = openLink();
        Socket client = connect(link);

        send(client, "ping");
        assertThat(receive(client, 4)).isEqualTo("ping");

        assertThat(link.listenAddress().getAddress().getHostAddress()).isEqualTo(RELAY_HOST);
        assertThat(link.acceptedConnections()).isEqualTo(1);
        assertThat(link.openConnections()).isEqualTo(1);
        // The client may read the echo a moment before the relay's thread counts the bytes it wrote.
        awaitCondition(() -> link.bytesForwarded() == 8);   // four bytes each way
        assertThat(link.isCut()).isFalse();
    }

    @Test
    void aLargeTransferArrivesWholeAndInOrder() throws Exception {
        TcpRelay.Link link = openLink();
        Socket client = connect(link);
        byte[] data = new byte[3 * TcpRelay.BUFFER_BYTES + 17];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Thread writer = new Thread(() -> {
            try {
                client.getOutputStream().write(data);
                client.getOutputStream().flush();
            } catch (IOException ignored) {
                // the assertion below fails instead
            }
        });
        writer.start();

        byte[] echoed = client.getInputStream().readNBytes(data.length);
        writer.join(PATIENCE_MS);

        assertThat(echoed).isEqualTo(data);
    }

    @Test
    void aCutLinkBlackholesItsConnectionsWithoutClosingThem() throws IOException {
        TcpRelay.Link link = openLink();
        Socket client = connect(link);
        send(client, "one");
        assertThat(receive(client, 3)).isEqualTo("one");

        link.cut();
        long forwarded = link.bytesForwarded();   // read after cut(), which waits for the relay's thread
        send(client, "two");

        assertSilent(client);
        assertThat(link.isCut()).isTrue();
        assertThat(link.bytesForwarded()).isEqualTo(forwarded);
        assertThat(upstream.received.get()).as("upstream got nothing after the cut (accepted %d, link %s)",
                upstream.accepted.get(), link).isEqualTo(3);
        assertThat(upstream.ended.get()).as("upstream saw no end of stream").isZero();
        assertThat(link.openConnections()).isEqualTo(1);
    }

    @Test
    void aConnectionMadeWhileCutIsHeldThenRelayedOnceHealed() throws IOException {
        TcpRelay.Link link = openLink();
        link.cut();

        Socket client = connect(link);   // the relay accepts, but makes no upstream connection
        send(client, "late");
        assertSilent(client);
        assertThat(upstream.accepted.get()).isZero();

        link.heal();

        assertThat(receive(client, 4)).as("what was sent during the cut arrives after the heal").isEqualTo("late");
        assertThat(upstream.accepted.get()).isEqualTo(1);
    }

    @Test
    void healingResetsTheConnectionsThatWereBlackholed() throws IOException {
        TcpRelay.Link link = openLink();
        Socket before = connect(link);
        send(before, "x");
        assertThat(receive(before, 1)).isEqualTo("x");

        link.cut();
        link.heal();

        assertThatThrownBy(() -> before.getInputStream().read()).as("reset, not a clean end of stream")
                .isInstanceOf(SocketException.class);
        Socket after = connect(link);
        send(after, "y");
        assertThat(receive(after, 1)).as("new connections relay again").isEqualTo("y");
    }

    @Test
    void anEndOfStreamIsPassedOnAndTheOtherDirectionStillDrains() throws IOException {
        TcpRelay.Link link = openLink();
        Socket client = connect(link);

        send(client, "bye");
        client.shutdownOutput();   // the echo server answers what it got, then closes

        InputStream in = client.getInputStream();
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("bye");
        awaitCondition(() -> link.openConnections() == 0);   // both directions ended: the connection is gone
    }

    @Test
    void anUnreachableUpstreamEndsTheClientsConnection() throws IOException {
        int nothingListens;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            nothingListens = probe.getLocalPort();
        }
        TcpRelay.Link link = relay.open("to-nowhere", new InetSocketAddress(RELAY_HOST, 0),
                new InetSocketAddress("127.0.0.1", nothingListens));
        int read;
        try {
            read = connect(link).getInputStream().read();
        } catch (SocketException reset) {
            read = -1;   // the relay may reset the connection before the client's connect() returns
        }
        assertThat(read).as("end of stream or reset, as the upstream refused").isEqualTo(-1);
    }

    @Test
    void aLinkHoldsAtMostItsConnectionLimit() throws IOException {
        TcpRelay.Link link = openLink();
        link.cut();   // held connections stay open however long the test takes
        for (int i = 0; i < TcpRelay.MAX_CONNECTIONS_PER_LINK; i++) {
            connect(link);
        }
        Socket oneTooMany = connect(link);

        int read;
        try {
            read = oneTooMany.getInputStream().read();
        } catch (SocketException reset) {
            read = -1;
        }
        assertThat(read).isEqualTo(-1);
        assertThat(link.openConnections()).isEqualTo(TcpRelay.MAX_CONNECTIONS_PER_LINK);
        assertThat(link.acceptedConnections()).isEqualTo(TcpRelay.MAX_CONNECTIONS_PER_LINK + 1);
    }

    @Test
    void closeFreesThePortsEndsTheConnectionsAndTheThread() throws IOException {
        TcpRelay.Link link = openLink();
        TcpRelay.Link cut = relay.open("cut", new InetSocketAddress(RELAY_HOST, 0), upstream.address());
        cut.cut();
        Socket relaying = connect(link);
        send(relaying, "z");
        assertThat(receive(relaying, 1)).isEqualTo("z");
        Socket held = connect(cut);

        relay.close();

        for (Socket s : List.of(relaying, held)) {
            int read;
            try {
                read = s.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
        for (InetSocketAddress address : List.of(link.listenAddress(), cut.listenAddress())) {
            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(address);   // throws if the relay still held the port
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("tcp-relay-test"));
        assertThatThrownBy(() -> relay.open("late", new InetSocketAddress(RELAY_HOST, 0), upstream.address()))
                .isInstanceOf(IllegalStateException.class);
    }
}
