package io.canopy.node.replication;

import java.util.Locale;

import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/**
 * Parses ZooKeeper's server specs, as {@code reconfig} and the dynamic configuration write them:
 * {@code server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]}. The quorum
 * port is the member's Raft peer port; the election port must be given (ZooKeeper requires it) but is not used.
 * Canopy's restrictions: ids 1..255 (a session id carries its node id in one byte), one address per server (no
 * ZooKeeper multi-address {@code a|b}), IPv4 or host names. Every error is an {@link IllegalArgumentException}
 * whose message says what is wrong with which spec: reconfig answers it as BADARGUMENTS.
 */
public final class ServerSpecs {
    private ServerSpecs() {
    }

    /**
     * A {@code server.N=spec} line.
     *
     * @param requireClient whether the {@code ;client} part must be present (ZooKeeper requires it of a server
     *                      joining by incremental reconfig)
     */
    public static Member parseLine(String line, boolean requireClient) {
        String text = line == null ? "" : line.trim();
        int eq = text.indexOf('=');
        if (eq < 0 || !text.substring(0, eq).trim().startsWith("server.")) {
            throw bad(text, "expected server.N=host:quorumPort:electionPort[:role][;[clientHost:]clientPort]");
        }
        String key = text.substring(0, eq).trim();
        int id = parseId(key.substring("server.".length()), text);
        return parseSpec(id, text.substring(eq + 1).trim(), requireClient, text);
    }

    /** A member id, 1..255. */
    public static int parseId(String s, String context) {
        int id;
        try {
            id = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw bad(context, "the server id '" + s.trim() + "' is not a number");
        }
        if (id < 1 || id > 255) {
            throw bad(context, "server id " + id + " is out of Canopy's range 1..255");
        }
        return id;
    }

    private static Member parseSpec(int id, String spec, boolean requireClient, String context) {
        if (spec.indexOf('|') >= 0) {
            throw bad(context, "multiple addresses per server are not supported");
        }
        if (spec.indexOf('[') >= 0) {
            throw bad(context, "bracketed (IPv6) addresses are not supported");
        }
        String[] halves = spec.split(";", -1);
        if (halves.length > 2) {
            throw bad(context, "more than one ';'");
        }
        String[] server = halves[0].split(":", -1);
        if (server.length < 3 || server.length > 4) {
            throw bad(context, "each server needs host:quorumPort:electionPort (and optionally a role)");
        }
        String host = host(server[0], context);
        int peerPort = port(server[1], context);
        int electionPort = port(server[2], context);
        if (electionPort == peerPort) {
            throw bad(context, "the quorum and election ports must differ");
        }
        Role role = Role.PARTICIPANT;
        if (server.length == 4) {
            role = switch (server[3].trim().toLowerCase(Locale.ROOT)) {
                case "participant" -> Role.PARTICIPANT;
                case "observer" -> Role.OBSERVER;
                default -> throw bad(context, "unknown role '" + server[3].trim() + "' (participant or observer)");
            };
        }
        if (halves.length == 1 || halves[1].isBlank()) {
            if (requireClient) {
                throw bad(context, "a joining server needs its client address: ...;clientHost:clientPort");
            }
            return new Member(id, host, 0, peerPort, role, host);
        }
        String[] client = halves[1].trim().split(":", -1);
        if (client.length == 1) {
            return new Member(id, host, port(client[0], context), peerPort, role, "0.0.0.0");
        }
        if (client.length != 2) {
            throw bad(context, "the client address must be clientPort or clientHost:clientPort");
        }
        return new Member(id, host, port(client[1], context), peerPort, role, host(client[0], context));
    }

    private static String host(String s, String context) {
        String host = s.trim();
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._-]+")) {
            throw bad(context, "'" + s.trim() + "' is not a host name or IPv4 address");
        }
        return host;
    }

    private static int port(String s, String context) {
        int p;
        try {
            p = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw bad(context, "'" + s.trim() + "' is not a port number");
        }
        if (p < 1 || p > 65535) {
            throw bad(context, "port " + p + " is out of range");
        }
        return p;
    }

    private static IllegalArgumentException bad(String context, String why) {
        return new IllegalArgumentException("bad server spec '" + context + "': " + why);
    }
}
