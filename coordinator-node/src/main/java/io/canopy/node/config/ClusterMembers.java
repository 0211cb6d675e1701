package io.canopy.node.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/**
 * Parses {@code canopy.cluster.members} ({@code id=host:clientPort:peerPort[:linkPort][:participant|:observer],...},
 * the role defaulting to participant; without a link port the leader replicates to the member over Ratis's gRPC)
 * with clear errors.
 */
public final class ClusterMembers {
    private ClusterMembers() {
    }

    public static List<Member> parse(List<String> entries) {
        List<Member> members = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            Member m = parseOne(entry);
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException("canopy.cluster.members lists node id " + m.id() + " twice");
            }
            members.add(m);
        }
        if (!members.isEmpty() && members.stream().noneMatch(Member::isVoter)) {
            throw new IllegalArgumentException("canopy.cluster.members has no participant: a cluster needs voters");
        }
        return members;
    }

    private static Member parseOne(String entry) {
        int eq = entry.indexOf('=');
        String[] parts = eq < 0 ? new String[0] : entry.substring(eq + 1).split(":");
        if (eq < 1 || parts.length < 3 || parts.length > 5) {
            throw notOfTheForm(entry);
        }
        int next = 3;
        String linkPort = null;
        if (parts.length > next && parts[next].trim().chars().allMatch(Character::isDigit)) {
            linkPort = parts[next++];
        }
        Role role = Role.PARTICIPANT;
        if (parts.length > next) {
            role = switch (parts[next].trim().toLowerCase(Locale.ROOT)) {
                case "participant" -> Role.PARTICIPANT;
                case "observer" -> Role.OBSERVER;
                default -> throw new IllegalArgumentException("canopy.cluster.members entry '" + entry
                        + "' has the unknown role '" + parts[next].trim() + "' (participant or observer)");
            };
            next++;
        }
        if (parts.length > next) {
            throw notOfTheForm(entry);
        }
        try {
            int id = Integer.parseInt(entry.substring(0, eq).trim());
            if (id < 1 || id > 255) {
                throw new IllegalArgumentException("node id must be 1..255 in '" + entry + "'");
            }
            int peer = port(parts[2], entry);
            int link = linkPort == null ? 0 : port(linkPort, entry);
            if (link == peer) {
                throw new IllegalArgumentException("canopy.cluster.members entry '" + entry
                        + "' gives the peer port as the link port too: they must differ");
            }
            return new Member(id, parts[0].trim(), port(parts[1], entry), peer, role, null, link);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("canopy.cluster.members entry '" + entry + "' has a non-numeric id or port");
        }
    }

    private static IllegalArgumentException notOfTheForm(String entry) {
        return new IllegalArgumentException("canopy.cluster.members entry '" + entry
                + "' is not of the form id=host:clientPort:peerPort[:linkPort][:participant|:observer]"
                + " (e.g. 1=127.0.0.1:2181:9181:9191)");
    }

    private static int port(String s, String entry) {
        int p = Integer.parseInt(s.trim());
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " out of range in '" + entry + "'");
        }
        return p;
    }
}
