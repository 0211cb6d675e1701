package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a cluster is before it starts: addresses, ports, members, folders. No process is started here. */
class CanopyClusterTest {

    @Test
    void everyNodeIsListedInTheMembersWithItsOwnAddressAndPorts(@TempDir Path root) {
        try (CanopyCluster cluster = CanopyCluster.builder().nodes(3).dataRoot(root).label("SpecTest")
                .nodeArgs("--canopy.snapshot.threshold=500").build()) {
            List<NodeProcess> nodes = cluster.nodes();

            assertThat(cluster.membersSpec()).isEqualTo(String.join(",",
                    nodes.stream().map(n -> n.config().memberEntry()).toList()));
            assertThat(nodes).allSatisfy(n -> {
                assertThat(n.config().members()).isEqualTo(cluster.membersSpec());
                assertThat(n.host()).isEqualTo(LoopbackPorts.hostForNode(n.nodeId()));
                assertThat(n.dataDir()).isEqualTo(root.resolve("node" + n.nodeId()));
                assertThat(n.logFile().getFileName()).hasToString("SpecTest-node" + n.nodeId() + ".log");
                assertThat(n.config().arguments()).endsWith("--canopy.snapshot.threshold=500");
            });
            assertThat(nodes.stream().flatMap(n -> List.of(n.host() + ":" + n.clientPort(), n.host() + ":"
                    + n.peerPort(), n.host() + ":" + n.config().linkPort(), n.host() + ":" + n.httpPort()).stream()))
                    .doesNotHaveDuplicates();
            assertThat(nodes).allSatisfy(n -> assertThat(n.config().linkPort()).as("every member has a link port")
                    .isPositive());
            assertThat(nodes).extracting(NodeProcess::nodeId).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aPartitionableClusterNamesItsNodesAndGivesEachJvmItsOwnHostsFile(@TempDir Path root) throws Exception {
        try (CanopyCluster cluster = CanopyCluster.builder().nodes(3).dataRoot(root).label("NetTest")
                .partitionable().build()) {
            assertThat(cluster.isPartitionable()).isTrue();
            for (NodeProcess n : cluster.nodes()) {
                assertThat(n.config().peerHost()).isEqualTo("canopy-node-" + n.nodeId());
                assertThat(n.host()).isEqualTo("127.0.0." + (10 + n.nodeId()));
                assertThat(n.connectString()).startsWith(n.host() + ":");
                Path hosts = cluster.network().hostsFile(n.nodeId());
                assertThat(n.config().jvmArgs()).endsWith("-Djdk.net.hosts.file=" + hosts.toAbsolutePath())
                        .containsAll(NodeConfig.DEFAULT_JVM_ARGS);
                assertThat(Files.readString(hosts)).contains(n.host() + " canopy-node-" + n.nodeId());
            }
            assertThat(cluster.membersSpec()).isEqualTo(String.join(",",
                    cluster.nodes().stream().map(n -> "" + n.nodeId() + "=canopy-node-" + n.nodeId() + ":"
                            + n.clientPort() + ":" + n.peerPort() + ":" + n.config().linkPort()).toList()));
            assertThatThrownBy(() -> cluster.isolate(1)).as("relays open at start()")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void onlyAPartitionableClusterCanBePartitioned(@TempDir Path root) {
        try (CanopyCluster cluster = CanopyCluster.builder().nodes(3).dataRoot(root).build()) {
            assertThat(cluster.isPartitionable()).isFalse();
            assertThatThrownBy(() -> cluster.isolate(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("partitionable()");
            assertThatThrownBy(cluster::heal).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> CanopyCluster.builder().nodes(1).dataRoot(root).partitionable().build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void connectStringsNameTheNodesAskedFor(@TempDir Path root) {
        try (CanopyCluster cluster = CanopyCluster.builder().nodes(3).dataRoot(root).build()) {
            assertThat(cluster.connectString()).isEqualTo(cluster.connectString(1, 2, 3));
            assertThat(cluster.connectString(3, 1))
                    .isEqualTo(cluster.node(3).connectString() + "," + cluster.node(1).connectString());
            assertThatThrownBy(() -> cluster.node(4)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> cluster.connectString(new int[0])).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aMarkGoesIntoEveryNodesLogAfterWhatIsThere(@TempDir Path root) throws Exception {
        String previous = System.getProperty("canopy.it.logs");
        System.setProperty("canopy.it.logs", root.resolve("logs").toString());
        try (CanopyCluster cluster = CanopyCluster.builder().nodes(2).dataRoot(root).label("MarkTest").build()) {
            Files.createDirectories(root.resolve("logs"));
            Files.writeString(cluster.node(1).logFile(), "earlier output\n");
            cluster.mark("test somethingHappens starting");
            assertThat(Files.readAllLines(cluster.node(1).logFile())).hasSize(2).first().isEqualTo("earlier output");
            for (NodeProcess n : cluster.nodes()) {
                assertThat(Files.readAllLines(n.logFile())).last().asString()
                        .startsWith(NodeLog.MARKER).endsWith(" test somethingHappens starting");
            }
        } finally {
            if (previous == null) {
                System.clearProperty("canopy.it.logs");
            } else {
                System.setProperty("canopy.it.logs", previous);
            }
        }
    }

    @Test
    void anUnstartedClusterHasNoLiveNodeAndClosesQuietly(@TempDir Path root) {
        CanopyCluster cluster = CanopyCluster.builder().nodes(2).dataRoot(root).build();

        assertThat(cluster.liveNodes()).isEmpty();
        assertThat(cluster.node(1).isAlive()).isFalse();
        assertThatThrownBy(() -> cluster.node(1).pid()).hasMessageContaining("never started");
        cluster.close();
    }

    @Test
    void withoutADataRootTheNodesGetATemporaryFolder() throws Exception {
        CanopyCluster cluster = CanopyCluster.builder().nodes(1).label("TempRootTest").build();
        try {
            assertThat(cluster.dataRoot()).isDirectory();
            assertThat(cluster.dataRoot().getFileName().toString()).startsWith("canopy-TempRootTest-");
        } finally {
            Folders.deleteRecursively(cluster.dataRoot());
        }
        assertThat(Files.exists(cluster.dataRoot())).isFalse();
    }
}
