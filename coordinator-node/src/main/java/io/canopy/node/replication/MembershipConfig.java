package io.canopy.node.replication;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.canopy.core.txn.InternalBodies;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.ReplicationSettings.Role;

/**
 * The cluster's membership in ZooKeeper's dynamic-configuration format, the text of {@code /zookeeper/config}
 * that {@code getConfig} and {@code reconfig} return and that Curator's EnsembleTracker turns into a connection
 * string:
 * <pre>
 * server.1=10.0.0.1:9181:9182:participant;10.0.0.1:2181
 * server.4=10.0.0.4:9184:9185:observer;10.0.0.4:2184
 * version=3a0001
 * </pre>
 * ZooKeeper lists a quorum port and a leader-election port, and its parser (which Curator uses) insists they
 * differ. Raft has one peer port: it is the quorum port, and the "election port" is written as the next port
 * number only to satisfy the parser; nothing listens there. Voters of the Raft configuration are participants,
 * Ratis listeners are observers. The version is the zxid of the transaction that wrote the text (the state
 * machine appends it; see the core's SET_CONFIG), so Canopy only renders the server lines.
 *
 * <p>Client addresses are not part of Ratis's configuration ({@code RaftPeer.clientAddress} is what Ratis's own
 * client uses): they come from the reconfig request that added a member, from the current text, or from the
 * static member list. A member whose client address nobody knows is rendered without the {@code ;client} part.
 */
public final class MembershipConfig {
    private MembershipConfig() {
    }

    /** The text as of version {@code version}: the server lines, then {@code version=<hex>}. */
    public static String render(List<Member> members, long version) {
        String lines = serverLines(members);
        return (lines.isEmpty() ? "" : lines + "\n") + "version=" + Long.toHexString(version);
    }

    /** The {@code server.N=...} lines of {@code members}, by id, one per line, without a version line. */
    public static String serverLines(List<Member> members) {
        StringBuilder sb = new StringBuilder();
        members.stream().sorted(Comparator.comparingInt(Member::id)).forEach(m -> {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(serverLine(m));
        });
        return sb.toString();
    }

    /** One member's line: {@code server.N=host:peerPort:electionPort:role[;clientHost:clientPort]}. */
    public static String serverLine(Member m) {
        StringBuilder sb = new StringBuilder("server.").append(m.id()).append('=').append(m.host()).append(':')
                .append(m.peerPort()).append(':').append(placeholderElectionPort(m.peerPort())).append(':')
                .append(m.role().zkName());
        if (m.hasClientAddress()) {
            sb.append(';').append(m.clientHost()).append(':').append(m.clientPort());
        }
        return sb.toString();
    }

    /** What a /zookeeper/config text says: its members and its version (-1 if it has none). */
    public record Parsed(List<Member> members, long version) {
        public static final Parsed EMPTY = new Parsed(List.of(), -1);
    }

    /**
     * Reads a /zookeeper/config text. Lines that are not valid server specs are skipped: this reads what the
     * cluster wrote itself, only to learn client addresses and the version.
     */
    public static Parsed parse(String text) {
        if (text == null || text.isBlank()) {
            return Parsed.EMPTY;
        }
        List<Member> members = new ArrayList<>();
        for (String line : InternalBodies.configServerLines(text)) {
            try {
                members.add(ServerSpecs.parseLine(line, false));
            } catch (IllegalArgumentException e) {
                // not ours to judge here
            }
        }
        String version = InternalBodies.configVersionLine(text);
        long v = -1;
        if (version != null) {
            try {
                v = Long.parseUnsignedLong(version.trim(), 16);
            } catch (NumberFormatException e) {
                v = -1;
            }
        }
        return new Parsed(List.copyOf(members), v);
    }

    /**
     * {@code members} with every unknown client address filled in from the first of {@code sources} that lists the
     * same id at the same peer address (the role may have changed).
     */
    @SafeVarargs
    public static List<Member> withClientAddresses(List<Member> members, List<Member>... sources) {
        List<Member> filled = new ArrayList<>(members.size());
        for (Member m : members) {
            Member result = m;
            for (List<Member> source : sources) {
                if (result.hasClientAddress()) {
                    break;
                }
                for (Member known : source) {
                    if (known.id() == m.id() && known.host().equals(m.host()) && known.peerPort() == m.peerPort()
                            && known.hasClientAddress()) {
                        result = m.withClient(known.clientHost(), known.clientPort());
                        break;
                    }
                }
            }
            filled.add(result);
        }
        return filled;
    }

    /** The ids of voters, in id order. */
    public static List<Integer> voterIds(List<Member> members) {
        return members.stream().filter(m -> m.role() == Role.PARTICIPANT).map(Member::id).sorted().toList();
    }

    private static int placeholderElectionPort(int peerPort) {
        return peerPort < 65535 ? peerPort + 1 : peerPort - 1;
    }
}
