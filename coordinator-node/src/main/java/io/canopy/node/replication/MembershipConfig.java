package io.canopy.node.replication;

import java.util.Comparator;
import java.util.List;

/**
 * The cluster's membership in ZooKeeper's dynamic-configuration format, the text of {@code /zookeeper/config}
 * that {@code getConfig} returns and that Curator's EnsembleTracker turns into a connection string:
 * <pre>
 * server.1=10.0.0.1:9181:9182:participant;10.0.0.1:2181
 * version=1
 * </pre>
 * ZooKeeper lists a quorum port and a leader-election port, and its parser (which Curator uses) insists they
 * differ. Raft has one peer port: it is the quorum port, and the "election port" is written as the next port
 * number only to satisfy the parser; nothing listens there. The client address is the member's host and client
 * port.
 */
public final class MembershipConfig {
    private MembershipConfig() {
    }

    public static String render(List<ReplicationSettings.Member> members, long version) {
        StringBuilder sb = new StringBuilder();
        members.stream().sorted(Comparator.comparingInt(ReplicationSettings.Member::id)).forEach(m ->
                sb.append("server.").append(m.id()).append('=').append(m.host()).append(':').append(m.peerPort())
                        .append(':').append(placeholderElectionPort(m.peerPort())).append(":participant;").append(m.host()).append(':')
                        .append(m.clientPort()).append('\n'));
        return sb.append("version=").append(Long.toHexString(version)).toString();
    }

    private static int placeholderElectionPort(int peerPort) {
        return peerPort < 65535 ? peerPort + 1 : peerPort - 1;
    }
}
