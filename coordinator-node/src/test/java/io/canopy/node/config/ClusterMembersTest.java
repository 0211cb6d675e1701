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
}
