package io.canopy.testcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class NodeConfigTest {
    private static final Path DATA = Path.of("/tmp/data/node2");
    private static final Path LOG = Path.of("/tmp/logs/T-node2.log");

    private static NodeConfig member(List<String> extraArgs) {
        return new NodeConfig(2, "127.0.0.12", 5002, 6002, 0, 7002, DATA, "", extraArgs, NodeConfig.DEFAULT_JVM_ARGS, LOG)
                .withMembers("1=127.0.0.11:5001:6001,2=127.0.0.12:5002:6002");
    }

    @Test
    void aMemberGetsItsIdTheMembersAndItsAddressForEveryListener() {
        NodeConfig config = member(List.of("--canopy.snapshot.threshold=500"));

        assertThat(config.isClusterMember()).isTrue();
        assertThat(config.memberEntry()).isEqualTo("2=127.0.0.12:5002:6002");
        assertThat(config.connectString()).isEqualTo("127.0.0.12:5002");
        assertThat(config.arguments()).containsExactly(
                "--canopy.node-id=2",
                "--canopy.cluster.members=1=127.0.0.11:5001:6001,2=127.0.0.12:5002:6002",
                "--canopy.data-dir=" + DATA.toAbsolutePath(),
                "--canopy.client-address=127.0.0.12",
                "--canopy.peer-address=127.0.0.12",
                "--server.address=127.0.0.12",
                "--server.port=7002",
                "--canopy.snapshot.threshold=500");
    }

    @Test
    void aStandaloneNodeGetsItsPortsAndBindsToLoopbackOnly() {
        NodeConfig config = NodeConfig.standalone("CrashRecoveryIT", DATA, List.of("--canopy.four-letter-words=*"));

        assertThat(config.isClusterMember()).isFalse();
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(List.of(config.clientPort(), config.peerPort(), config.httpPort())).doesNotHaveDuplicates();
        assertThat(config.arguments()).contains(
                "--canopy.client-port=" + config.clientPort(),
                "--canopy.peer-port=" + config.peerPort(),
                "--canopy.client-address=127.0.0.1",
                "--canopy.peer-address=127.0.0.1",
                "--server.address=127.0.0.1")
                .noneMatch(a -> a.startsWith("--canopy.cluster.members"))
                .endsWith("--canopy.four-letter-words=*");
        assertThat(config.logFile().getFileName()).hasToString("CrashRecoveryIT-node1.log");
        assertThat(config.jvmArgs()).isEqualTo(NodeConfig.DEFAULT_JVM_ARGS);
    }

    @Test
    void extraArgumentsMayNotSetWhatTheHarnessSets() {
        assertThatThrownBy(() -> member(List.of("--server.port=8080")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server.port");
    }

    @Test
    void theOwnEntryMayNameTheNodeByAHostNameThatItsJvmResolves() {
        NodeConfig named = new NodeConfig(2, "127.0.0.12", 5002, 6002, 0, 7002, DATA, "", List.of(),
                NodeConfig.DEFAULT_JVM_ARGS, LOG).withMembers("1=canopy-node-1:5001:6001,2=canopy-node-2:5002:6002");

        assertThat(named.peerHost()).isEqualTo("canopy-node-2");
        assertThat(named.memberEntry()).isEqualTo("2=canopy-node-2:5002:6002");
        assertThat(named.connectString()).as("clients still use the address").isEqualTo("127.0.0.12:5002");
        assertThat(named.arguments()).contains("--canopy.peer-address=127.0.0.12", "--canopy.client-address=127.0.0.12");
        assertThat(member(List.of()).peerHost()).isEqualTo("127.0.0.12");
        NodeConfig observer = new NodeConfig(2, "127.0.0.12", 5002, 6002, 0, 7002, DATA, "", List.of(),
                NodeConfig.DEFAULT_JVM_ARGS, LOG).withMembers("1=canopy-node-1:5001:6001,2=canopy-node-2:5002:6002:observer");
        assertThat(observer.peerHost()).as("an entry with a role").isEqualTo("canopy-node-2");
    }

    @Test
    void theMembersMustListTheNodeAsConfigured() {
        NodeConfig standalone = new NodeConfig(3, "127.0.0.13", 5003, 6003, 0, 7003, DATA, "", List.of(), List.of(), LOG);

        assertThatThrownBy(() -> standalone.withMembers("1=127.0.0.11:5001:6001,3=127.0.0.13:5003:9999"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3=127.0.0.13:5003:6003");
        assertThatThrownBy(() -> standalone.withMembers("1=127.0.0.11:5001:6001,3=127.0.0.99:5003:6003"))
                .as("another address is not this node").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLinkPortGoesIntoTheOwnEntryAndMayFollowItsPeerPort() {
        NodeConfig linked = new NodeConfig(2, "127.0.0.12", 5002, 6002, 6102, 7002, DATA, "", List.of(),
                NodeConfig.DEFAULT_JVM_ARGS, LOG);

        assertThat(linked.memberEntry()).isEqualTo("2=127.0.0.12:5002:6002:6102");
        assertThat(linked.withMembers("1=127.0.0.11:5001:6001:6101," + linked.memberEntry() + ":observer").peerHost())
                .as("an entry with a link port and a role").isEqualTo("127.0.0.12");
    }
}
