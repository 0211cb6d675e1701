package io.canopy.testcluster.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canopy.testcluster.network.ClusterNetwork.LinkId;

/** Three echo servers stand in for the nodes' peer ports; the test dials the relays as the nodes would. */
class ClusterNetworkTest {
    @TempDir
    Path dir;
    private final List<EchoServer> nodes = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private ClusterNetwork network;

    @BeforeEach
    void startNodes() throws IOException {
        List<ClusterNetwork.Member> members = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            EchoServer node = new EchoServer("127.0.0.1");
            nodes.add(node);
            members.add(new ClusterNetwork.Member(id, "127.0.0.1", node.port()));
        }
        network = new ClusterNetwork("test", members, dir);
    }

    @AfterEach
    void closeEverything() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        network.close();
        for (EchoServer node : nodes) {
            node.close();
        }
    }

    /** Whether node {@code from} reaches node {@code to}: a byte sent through relay (from->to) comes back. */
    private boolean reaches(int from, int to) throws IOException {
        return reaches(from, to, nodes.get(to - 1).port());
    }

    /** Whether node {@code from} reaches node {@code to}'s listener on {@code port} through their relay. */
    private boolean reaches(int from, int to, int port) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(new InetSocketAddress(ClusterNetwork.relayAddress(from, to), port), 5_000);
        socket.setSoTimeout(300);   // on loopback an echo takes far less; a cut link never answers
        socket.getOutputStream().write('x');
        try {
            return socket.getInputStream().read() == 'x';
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private void assertReachable(Set<LinkId> unreachable) throws IOException {
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    assertThat(reaches(from, to)).as("%d reaches %d", from, to)
                            .isEqualTo(!unreachable.contains(new LinkId(from, to)));
                }
            }
        }
    }

    @Test
    void eachNodeResolvesItselfToItsAddressAndItsPeersToItsOwnRelays() throws IOException {
        String node2 = Files.readString(network.hostsFile(2), StandardCharsets.UTF_8);

        assertThat(node2.lines().filter(l -> !l.startsWith("#")))
                .contains("127.0.0.1 localhost", "127.0.2.11 canopy-node-1", "127.0.0.1 canopy-node-2",
                        "127.0.2.13 canopy-node-3");
        assertThat(network.hostsFile(2)).isEqualTo(dir.resolve("node2.hosts"));
        assertThat(ClusterNetwork.hostName(2)).isEqualTo("canopy-node-2");
        assertThat(ClusterNetwork.relayAddress(3, 1)).isEqualTo("127.0.3.11");
    }

    @Test
    void everyLinkRelaysToItsNodeOnceStarted() throws IOException {
        assertThatThrownBy(() -> network.isolate(1)).isInstanceOf(IllegalStateException.class);
        network.start();

        assertReachable(Set.of());
        assertThat(network.link(1, 2).listenAddress())
                .isEqualTo(new InetSocketAddress("127.0.1.12", nodes.get(1).port()));
        assertThat(network.link(1, 2).acceptedConnections()).isEqualTo(1);
        assertThat(network.cutLinks()).isEmpty();
    }

    @Test
    void isolatingANodeCutsItsLinksBothWaysAndHealRestoresThem() throws IOException {
        network.start();

        List<LinkId> cut = network.isolate(2);

        Set<LinkId> expected = Set.of(new LinkId(1, 2), new LinkId(2, 1), new LinkId(2, 3), new LinkId(3, 2));
        assertThat(cut).containsExactlyInAnyOrderElementsOf(expected).isSorted();
        assertThat(network.cutLinks()).containsExactlyInAnyOrderElementsOf(expected);
        assertReachable(expected);

        assertThat(network.heal()).containsExactlyInAnyOrderElementsOf(expected);
        assertReachable(Set.of());
        assertThat(network.heal()).as("nothing left to heal").isEmpty();
    }

    @Test
    void aPartitionCutsOnlyBetweenTheSidesAndALinkCanBeCutOneWay() throws IOException {
        network.start();

        assertThat(network.partition(Set.of(1), Set.of(3)))
                .containsExactly(new LinkId(1, 3), new LinkId(3, 1));
        assertReachable(Set.of(new LinkId(1, 3), new LinkId(3, 1)));
        network.heal();

        assertThat(network.cutLink(2, 1)).containsExactly(new LinkId(2, 1));
        assertThat(network.cutLink(2, 1)).as("already cut").isEmpty();
        assertReachable(Set.of(new LinkId(2, 1)));
    }

    @Test
    void rejectsPartitionsThatMakeNoSense() {
        network.start();

        assertThatThrownBy(() -> network.partition(Set.of(1, 2), Set.of(2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
        assertThatThrownBy(() -> network.partition(Set.of(), Set.of(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.isolate(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.cutLink(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(network.cutLinks()).isEmpty();
    }

    @Test
    void closeFreesEveryRelayPortAndStartOpensThemAgain() throws IOException {
        network.start();
        network.isolate(1);
        network.close();

        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    try (ServerSocket again = new ServerSocket()) {
                        again.setReuseAddress(true);
                        again.bind(new InetSocketAddress(ClusterNetwork.relayAddress(from, to),
                                nodes.get(to - 1).port()));
                    }
                }
            }
        }
        network.start();
        assertReachable(Set.of());
    }

    @Test
    void aReplicationLinkPortIsRelayedTooAndCutAndHealedWithThePeerPort() throws IOException {
        List<EchoServer> linkPorts = new ArrayList<>();
        List<ClusterNetwork.Member> members = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            EchoServer link = new EchoServer("127.0.0.1");
            linkPorts.add(link);
            nodes.add(link);
            members.add(new ClusterNetwork.Member(id, "127.0.0.1", nodes.get(id - 1).port(), link.port()));
        }
        network.close();
        network = new ClusterNetwork("test-links", members, dir);
        network.start();
        assertThat(reaches(1, 2, linkPorts.get(1).port())).isTrue();

        network.cutLink(1, 2);
        assertThat(reaches(1, 2, linkPorts.get(1).port())).as("link port cut").isFalse();
        assertThat(reaches(1, 2)).as("peer port cut").isFalse();
        assertThat(reaches(2, 1, linkPorts.get(0).port())).as("the other way still open").isTrue();
        network.heal();
        assertThat(reaches(1, 2, linkPorts.get(1).port())).as("healed").isTrue();
        assertThat(network.replicationLink(1, 2).acceptedConnections()).isEqualTo(3);
        assertThat(network.describe()).contains("1->2 (replication link)");
        assertThatThrownBy(() -> new ClusterNetwork("no-links", List.of(new ClusterNetwork.Member(1, "127.0.0.1", 1),
                new ClusterNetwork.Member(2, "127.0.0.1", 2)), dir.resolve("other")).replicationLink(1, 2))
                .as("not started").isInstanceOf(IllegalStateException.class);
    }
}
