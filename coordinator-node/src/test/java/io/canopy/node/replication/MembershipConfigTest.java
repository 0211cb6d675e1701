package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.List;
import java.util.Properties;

import org.apache.curator.framework.imps.EnsembleTracker;
import org.apache.zookeeper.server.quorum.QuorumPeer.LearnerType;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;
import org.junit.jupiter.api.Test;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/** The /zookeeper/config text must parse with ZooKeeper's own parser and give Curator the right ensemble. */
class MembershipConfigTest {

    private static final List<Member> MEMBERS = List.of(
            new Member(2, "127.0.0.12", 2182, 9182),
            new Member(1, "127.0.0.11", 2181, 9181),
            new Member(4, "127.0.0.14", 2184, 9184, Role.OBSERVER),
            new Member(3, "127.0.0.13", 2183, 9183));

    @Test
    void zooKeeperParsesItAndCuratorDerivesTheClientConnectString() throws Exception {
        String text = MembershipConfig.render(MEMBERS, 0x1a);
        assertThat(text).startsWith("server.1=127.0.0.11:9181:9182:participant;127.0.0.11:2181\n")
                .contains("\nserver.4=127.0.0.14:9184:9185:observer;127.0.0.14:2184\n")
                .endsWith("\nversion=1a");

        QuorumMaj quorum = zooKeeperParse(text);
        assertThat(quorum.getVotingMembers()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(quorum.getObservingMembers()).containsOnlyKeys(4L);
        assertThat(quorum.getAllMembers().get(4L).type).isEqualTo(LearnerType.OBSERVER);
        assertThat(quorum.getVersion()).isEqualTo(0x1a);
        assertThat(EnsembleTracker.configToConnectionString(quorum))
                .isEqualTo("127.0.0.11:2181,127.0.0.12:2182,127.0.0.13:2183,127.0.0.14:2184");
    }

    @Test
    void parsingTheRenderedTextGivesBackTheMembersAndTheVersion() {
        String text = MembershipConfig.render(MEMBERS, 0x3a0001L);
        MembershipConfig.Parsed parsed = MembershipConfig.parse(text);
        assertThat(parsed.version()).isEqualTo(0x3a0001L);
        assertThat(parsed.members()).containsExactlyInAnyOrderElementsOf(MEMBERS);
        assertThat(MembershipConfig.render(parsed.members(), parsed.version())).isEqualTo(text);
        assertThat(MembershipConfig.parse("")).isEqualTo(MembershipConfig.Parsed.EMPTY);
    }

    @Test
    void aMemberWithoutAKnownClientAddressIsListedWithoutOneAndZooKeeperStillParsesIt() throws Exception {
        Member unknown = new Member(5, "127.0.0.15", 0, 9185);
        String lines = MembershipConfig.serverLines(List.of(MEMBERS.get(1), unknown));
        assertThat(lines).isEqualTo("server.1=127.0.0.11:9181:9182:participant;127.0.0.11:2181\n"
                + "server.5=127.0.0.15:9185:9186:participant");
        QuorumMaj quorum = zooKeeperParse(lines + "\nversion=2");
        assertThat(quorum.getVotingMembers()).containsOnlyKeys(1L, 5L);
        assertThat(MembershipConfig.parse(lines).members()).containsExactly(MEMBERS.get(1), unknown);
    }

    @Test
    void clientAddressesComeFromTheFirstSourceThatKnowsTheMemberAtItsPeerAddress() {
        List<Member> raft = List.of(new Member(1, "127.0.0.11", 0, 9181), new Member(4, "127.0.0.14", 0, 9184,
                Role.OBSERVER), new Member(6, "127.0.0.16", 0, 9186));
        List<Member> request = List.of(new Member(4, "127.0.0.14", 3184, 9184, Role.OBSERVER));
        List<Member> text = List.of(new Member(1, "127.0.0.11", 2281, 9181), new Member(4, "127.0.0.14", 2184, 9184));
        List<Member> configured = List.of(new Member(1, "127.0.0.11", 2181, 9181),
                new Member(6, "127.0.0.99", 2186, 9186));   // another peer address: not the same member

        List<Member> filled = MembershipConfig.withClientAddresses(raft, request, text, configured);
        assertThat(filled).extracting(Member::clientPort).containsExactly(2281, 3184, 0);
        assertThat(filled.get(1).role()).isEqualTo(Role.OBSERVER);
    }

    private static QuorumMaj zooKeeperParse(String text) throws Exception {
        Properties props = new Properties();
        props.load(new StringReader(text));
        return new QuorumMaj(props);
    }
}
