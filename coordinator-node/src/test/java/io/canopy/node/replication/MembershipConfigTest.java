package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.List;
import java.util.Properties;

import org.apache.curator.framework.imps.EnsembleTracker;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.junit.jupiter.api.Test;

/** The /zookeeper/config text must parse with ZooKeeper's own parser and give Curator the right ensemble. */
class MembershipConfigTest {

    @Test
    void zooKeeperParsesItAndCuratorDerivesTheClientConnectString() throws Exception {
        String text = MembershipConfig.render(List.of(
                new ReplicationSettings.Member(2, "127.0.0.12", 2182, 9182),
                new ReplicationSettings.Member(1, "127.0.0.11", 2181, 9181),
                new ReplicationSettings.Member(3, "127.0.0.13", 2183, 9183)), 0x1a);
        assertThat(text).startsWith("server.1=127.0.0.11:9181:9182:participant;127.0.0.11:2181\n")
                .endsWith("\nversion=1a");

        Properties props = new Properties();
        props.load(new StringReader(text));
        QuorumMaj quorum = new QuorumMaj(props);
        assertThat(quorum.getVotingMembers()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(quorum.getVersion()).isEqualTo(0x1a);
        assertThat(EnsembleTracker.configToConnectionString(quorum))
                .isEqualTo("127.0.0.11:2181,127.0.0.12:2182,127.0.0.13:2183");
    }
}
