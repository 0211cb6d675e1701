package io.canopy.node.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * The membership a ZooKeeper {@code reconfig} asks for, computed from the current one and validated, as
 * ZooKeeper's leader does it (PrepRequestProcessor): either incremental (servers joining, given as
 * {@code server.N=...} specs separated by commas, and ids leaving, separated by commas) or bulk (the complete new
 * list, separated by commas or newlines). A joining id that exists already replaces that member's entry (how a
 * role or client address is changed); a leaving id that does not exist is ignored. Pure: no I/O, unit-tested.
 *
 * <p>Refused with an {@link IllegalArgumentException} (reconfig answers BADARGUMENTS): a malformed spec, an id
 * given twice, a joining spec without its client address, two members at one peer address, an existing id at
 * another peer address (Raft knows a member by id and address; remove it, then add it), a result without voters,
 * and a change that adds at least as many voters as it keeps, which Ratis refuses (RATIS-1912: such a change can
 * leave the new voters electing among themselves forever) except for going from one voter to two.
 */
public final class MembershipChange {
    private MembershipChange() {
    }

    /**
     * @param current    the current members (their client addresses, where known, carry over)
     * @param joining    ZooKeeper's {@code joiningServers}, or null
     * @param leaving    ZooKeeper's {@code leavingServers}, or null
     * @param newMembers ZooKeeper's {@code newMembers} (bulk), or null for an incremental change
     * @return the new members, by id
     */
    public static List<Member> compute(List<Member> current, String joining, String leaving, String newMembers) {
        Map<Integer, Member> next = new LinkedHashMap<>();
        if (newMembers != null) {
            for (String line : split(newMembers.replace(',', '\n'), "\n")) {
                if (line.startsWith("version=")) {
                    continue;   // ZooKeeper accepts a pasted getConfig text; the version is not a member
                }
                Member m = ServerSpecs.parseLine(line, false);
                if (next.put(m.id(), m) != null) {
                    throw new IllegalArgumentException("server id " + m.id() + " is listed twice in the new members");
                }
            }
        } else {
            current.forEach(m -> next.put(m.id(), m));
            if (leaving != null) {
                for (String id : split(leaving, ",")) {
                    next.remove(ServerSpecs.parseId(id, "leaving servers '" + leaving + "'"));
                }
            }
            if (joining != null) {
                Set<Integer> joined = new HashSet<>();
                for (String spec : split(joining, ",")) {
                    Member m = ServerSpecs.parseLine(spec, true);
                    if (!joined.add(m.id())) {
                        throw new IllegalArgumentException("server id " + m.id() + " joins twice");
                    }
                    next.put(m.id(), m);
                }
            }
        }
        List<Member> result = withLinkPorts(MembershipConfig.withClientAddresses(new ArrayList<>(next.values()),
                current), current);
        validate(current, result);
        return result.stream().sorted((a, b) -> Integer.compare(a.id(), b.id())).toList();
    }

    /**
     * A server line carries no replication link port (ZooKeeper's format has no place for it): a member that stays
     * (same id and peer address, whatever its role) keeps the one it has; a new member has none and is replicated
     * to over gRPC.
     */
    static List<Member> withLinkPorts(List<Member> members, List<Member> current) {
        return members.stream().map(m -> m.linkPort() > 0 ? m : current.stream()
                .filter(known -> known.id() == m.id() && known.peerAddress().equals(m.peerAddress())).findFirst()
                .map(known -> m.withLink(known.linkPort())).orElse(m)).toList();
    }

    static void validate(List<Member> current, List<Member> next) {
        Map<Integer, Member> byId = new HashMap<>();
        current.forEach(m -> byId.put(m.id(), m));
        Map<String, Integer> byPeerAddress = new HashMap<>();
        for (Member m : next) {
            Member existing = byId.get(m.id());
            if (existing != null && !(existing.host().equals(m.host()) && existing.peerPort() == m.peerPort())) {
                throw new IllegalArgumentException("server " + m.id() + " is at " + existing.peerAddress()
                        + ", not " + m.peerAddress() + ": a member's peer address cannot change; remove the server,"
                        + " then add it with its new address");
            }
            Integer other = byPeerAddress.put(m.peerAddress(), m.id());
            if (other != null) {
                throw new IllegalArgumentException("servers " + other + " and " + m.id() + " have the same peer address "
                        + m.peerAddress());
            }
        }
        List<Integer> voters = MembershipConfig.voterIds(next);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("the new configuration must keep at least one participant");
        }
        Set<Integer> currentVoters = new HashSet<>(MembershipConfig.voterIds(current));
        long added = voters.stream().filter(id -> !currentVoters.contains(id)).count();
        long kept = voters.size() - added;
        boolean oneToTwo = currentVoters.size() == 1 && voters.size() == 2 && added == 1;
        if (added > 0 && added >= kept && !oneToTwo) {
            throw new IllegalArgumentException("the change adds " + added + " participants and keeps " + kept
                    + "; Raft (Ratis) refuses to add as many voters as it keeps in one change: add them in several"
                    + " reconfigs");
        }
    }

    private static List<String> split(String s, String separator) {
        List<String> parts = new ArrayList<>();
        for (String part : s.split(separator)) {
            if (!part.isBlank()) {
                parts.add(part.trim());
            }
        }
        return parts;
    }
}
