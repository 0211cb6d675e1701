package io.canopy.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

class ClusterMembersTest {

    @Test
    void membersWithOptionalRole() {
        List<Member> members = ClusterMembers.parse(List.of("1=127.0.0.11:2181:9181", "2=127.0.0.12:2182:9182:participant",
                " 3=127.0.0.13:2183:9183:Observer "));
        assertThat(members).containsExactly(new Member(1, "127.0.0.11", 2181, 9181),
                new Member(2, "127.0.0.12", 2182, 9182), new Member(3, "127.0.0.13", 2183, 9183, Role.OBSERVER));
    }

    @Test
    void badEntriesAreExplained() {
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:leader"))).hasMessageContaining("unknown role");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:observer:x"))).hasMessageContaining("form");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:observer"))).hasMessageContaining("no participant");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2", "1=h:3:4"))).hasMessageContaining("twice");
    }

    @Test
    void aLinkPortMayFollowThePeerPortBeforeTheRole() {
        List<Member> members = ClusterMembers.parse(List.of("1=127.0.0.11:2181:9181:9191",
                "2=127.0.0.12:2182:9182:9192:observer", "3=127.0.0.13:2183:9183:participant"));

        assertThat(members).extracting(Member::linkPort).containsExactly(9191, 9192, 0);
        assertThat(members).extracting(Member::role).containsExactly(Role.PARTICIPANT, Role.OBSERVER, Role.PARTICIPANT);
        assertThat(members.get(0).linkAddress()).isEqualTo("127.0.0.11:9191");
        assertThat(members.get(2).linkAddress()).as("no link: the leader uses gRPC").isNull();
        assertThat(members.get(0).withClient("10.0.0.1", 2200).linkPort()).as("kept by withClient").isEqualTo(9191);
    }

    @Test
    void badLinkPortsAreExplained() {
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:2"))).hasMessageContaining("must differ");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:70000"))).hasMessageContaining("out of range");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:3:4"))).hasMessageContaining("unknown role");
        assertThatThrownBy(() -> ClusterMembers.parse(List.of("1=h:1:2:3:observer:x"))).hasMessageContaining("form");
    }
}
