package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/** ZooKeeper's server specs and reconfig arguments, parsed and validated as ZooKeeper's leader does. */
class MembershipChangeTest {
    private static final List<Member> THREE = List.of(new Member(1, "127.0.0.11", 2181, 9181),
            new Member(2, "127.0.0.12", 2182, 9182), new Member(3, "127.0.0.13", 2183, 9183));

    @Test
    void specsWithAndWithoutRoleAndClientPart() {
        assertThat(ServerSpecs.parseLine("server.4=127.0.0.14:9184:9185:participant;127.0.0.14:2184", true))
                .isEqualTo(new Member(4, "127.0.0.14", 2184, 9184, Role.PARTICIPANT, "127.0.0.14"));
        assertThat(ServerSpecs.parseLine(" server.6 = host-6.example:9186:9187:OBSERVER;10.0.0.6:2186 ", true))
                .isEqualTo(new Member(6, "host-6.example", 2186, 9186, Role.OBSERVER, "10.0.0.6"));
        assertThat(ServerSpecs.parseLine("server.5=127.0.0.15:9185:9186;2185", true))
                .isEqualTo(new Member(5, "127.0.0.15", 2185, 9185, Role.PARTICIPANT, "0.0.0.0"));
        Member noClient = ServerSpecs.parseLine("server.5=127.0.0.15:9185:9186:participant", false);
        assertThat(noClient.hasClientAddress()).isFalse();
        assertThat(MembershipConfig.serverLine(noClient)).isEqualTo("server.5=127.0.0.15:9185:9186:participant");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4=127.0.0.14:9184:9185;2184", "server.x=127.0.0.14:9184:9185;2184",
            "server.0=127.0.0.14:9184:9185;2184", "server.256=h:1:2;3", "server.4=127.0.0.14:9184;2184",
            "server.4=127.0.0.14:9184:9184;2184", "server.4=127.0.0.14:9184:9185:leader;2184",
            "server.4=127.0.0.14:9184:9185:participant;a:b:2184", "server.4=127.0.0.14:99999:9185;2184",
            "server.4=127.0.0.14:9184:9185;2184;x", "server.4=a:1:2|b:1:2;3", "server.4=[::1]:1:2;3",
            "server.4=127.0.0.14:9184:9185:participant", "server.4=bad host:1:2;3", "server.4=h:1:2:participant;x"})
    void malformedJoiningSpecsAreRefused(String spec) {
        assertThatThrownBy(() -> ServerSpecs.parseLine(spec, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad server spec");
    }

    @Test
    void incrementalAddAndRemove() {
        List<Member> added = MembershipChange.compute(THREE,
                "server.4=127.0.0.14:9184:9185:participant;127.0.0.14:2184", null, null);
        assertThat(added).extracting(Member::id).containsExactly(1, 2, 3, 4);
        assertThat(added.get(0)).isEqualTo(THREE.get(0));   // existing members keep their client addresses

        List<Member> removed = MembershipChange.compute(added, null, "2, 9", null);   // 9: unknown, ignored
        assertThat(removed).extracting(Member::id).containsExactly(1, 3, 4);

        List<Member> both = MembershipChange.compute(THREE,
                "server.6=127.0.0.16:9186:9187:observer;127.0.0.16:2186", "3", null);
        assertThat(both).extracting(Member::id).containsExactly(1, 2, 6);
        assertThat(both.get(2).role()).isEqualTo(Role.OBSERVER);
    }

    @Test
    void aJoiningSpecOfAnExistingIdChangesItsRoleOrClientAddress() {
        List<Member> observer = MembershipChange.compute(THREE,
                "server.3=127.0.0.13:9183:9184:observer;127.0.0.13:3183", null, null);
        assertThat(observer.get(2)).isEqualTo(new Member(3, "127.0.0.13", 3183, 9183, Role.OBSERVER));
    }

    @Test
    void bulkReplacesTheWholeListAndKeepsKnownClientAddresses() {
        List<Member> next = MembershipChange.compute(THREE, null, null,
                "server.1=127.0.0.11:9181:9182:participant,server.2=127.0.0.12:9182:9183:participant\n"
                        + "server.4=127.0.0.14:9184:9185:participant;127.0.0.14:2184\nversion=100000000");
        assertThat(next).extracting(Member::id).containsExactly(1, 2, 4);
        assertThat(next).extracting(Member::clientPort).containsExactly(2181, 2182, 2184);
    }

    @Test
    void membersThatStayKeepTheirLinkPortsAndNewOnesHaveNone() {
        List<Member> linked = THREE.stream().map(m -> m.withLink(m.peerPort() + 10)).toList();
        List<Member> bulk = MembershipChange.compute(linked, null, null,
                "server.1=127.0.0.11:9181:9182:participant,server.2=127.0.0.12:9182:9183:participant\n"
                        + "server.4=127.0.0.14:9184:9185:participant;127.0.0.14:2184");
        assertThat(bulk).extracting(Member::linkPort).containsExactly(9191, 9192, 0);

        List<Member> incremental = MembershipChange.compute(linked,
                "server.4=127.0.0.14:9184:9185:participant;127.0.0.14:2184", "3", null);
        assertThat(incremental).extracting(Member::linkPort).containsExactly(9191, 9192, 0);
        List<Member> observer = MembershipChange.compute(linked,
                "server.3=127.0.0.13:9183:9184:observer;127.0.0.13:2183", null, null);
        assertThat(observer.get(2).linkPort()).as("a new role, the same peer").isEqualTo(9193);
    }

    @Test
    void invalidChangesAreRefused() {
        // Duplicate id in one request.
        assertBad(() -> MembershipChange.compute(THREE, "server.4=h4:1:2;3,server.4=h5:1:2;3", null, null), "twice");
        assertBad(() -> MembershipChange.compute(THREE, null, null, "server.1=h:1:2;3\nserver.1=h:4:5;6"), "twice");
        // An existing id at another peer address.
        assertBad(() -> MembershipChange.compute(THREE, "server.2=127.0.0.99:9182:9183;2182", null, null),
                "peer address cannot change");
        // Two ids at one peer address.
        assertBad(() -> MembershipChange.compute(THREE, "server.4=127.0.0.13:9183:9184;2184", null, null),
                "same peer address");
        // No voter left.
        assertBad(() -> MembershipChange.compute(THREE, null, "1,2,3", null), "at least one participant");
        assertBad(() -> MembershipChange.compute(THREE,
                "server.3=127.0.0.13:9183:9184:observer;2183", "1,2", null), "at least one participant");
        // As many new voters as kept (Ratis refuses, RATIS-1912).
        assertBad(() -> MembershipChange.compute(THREE, "server.4=h4:1:2;3,server.5=h5:1:2;3,server.6=h6:1:2;3",
                null, null), "add them in several");
        assertBad(() -> MembershipChange.compute(THREE, null, null, "server.1=127.0.0.11:9181:9182;1\n"
                + "server.4=h4:1:2;3"), "add them in several");
        // Malformed leaving ids and specs.
        assertBad(() -> MembershipChange.compute(THREE, null, "two", null), "not a number");
        assertBad(() -> MembershipChange.compute(THREE, "server.4=h4:1:2", null, null), "client address");
    }

    @Test
    void goingFromOneVoterToTwoIsAllowed() {
        List<Member> one = List.of(THREE.get(0));
        assertThat(MembershipChange.compute(one, "server.2=127.0.0.12:9182:9183;2182", null, null)).hasSize(2);
        // Two new voters beside one kept are refused; observers do not count.
        assertThat(MembershipChange.compute(one, "server.2=127.0.0.12:9182:9183;2182,"
                + "server.3=127.0.0.13:9183:9184:observer;2183", null, null)).hasSize(3);
    }

    private static void assertBad(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
