package io.canopy.node.server;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.InternalBodies;
import io.canopy.node.replication.MembershipConfig;
import io.canopy.node.replication.ReplicationSettings.Member;
import io.canopy.node.replication.TxnLog;

/**
 * The node's view of the cluster's membership: the Raft configuration is the source of truth for who belongs
 * (voters, observers, peer addresses); {@code /zookeeper/config} mirrors it in ZooKeeper's format, with client
 * addresses taken from a reconfig request, the current text, or the static member list, in that order.
 *
 * <p>The leader keeps {@code /zookeeper/config} in line with the Raft configuration: when it takes office, and a
 * while after every configuration change (in case the node that handled a reconfig died between changing the
 * Raft configuration and writing the text). That a node outside the configuration serves no clients is
 * {@link CoordinatorService#checkServing}'s duty, re-run at once after every change.
 */
final class ClusterMembership {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);

    private final CoordinatorService service;
    private final TxnLog txnLog;
    private final ServerSettings settings;

    ClusterMembership(CoordinatorService service, TxnLog txnLog, ServerSettings settings) {
        this.service = service;
        this.txnLog = txnLog;
        this.settings = settings;
    }

    /** The current text of /zookeeper/config (empty for a standalone node). */
    String shownText() {
        byte[] data = service.read(s -> s.data(DataTree.CONFIG));
        return data == null ? "" : new String(data, StandardCharsets.UTF_8);
    }

    /**
     * The members of the Raft configuration with client addresses filled in from {@code preferred} (a reconfig
     * request), then the current text, then the static member list.
     */
    List<Member> current(List<Member> preferred, String shownText) {
        return MembershipConfig.withClientAddresses(txnLog.members(), preferred,
                MembershipConfig.parse(shownText).members(), txnLog.configuredMembers());
    }

    /**
     * The server lines that /zookeeper/config should show, or null for a standalone node. A member whose client
     * address nobody knows is listed without one, with a warning that says how to fix it.
     */
    String wantedServerLines(List<Member> preferred, String shownText) {
        List<Member> members = current(preferred, shownText);
        if (members.isEmpty()) {
            return null;
        }
        for (Member m : members) {
            if (!m.hasClientAddress()) {
                LOG.warn("The client address of server.{} is not known: /zookeeper/config lists it without one, so"
                        + " clients following the configuration (Curator's ensemble tracker) cannot reach it. Fix:"
                        + " reconfig -add {};<clientHost>:<clientPort>", m.id(), MembershipConfig.serverLine(m));
            }
        }
        return MembershipConfig.serverLines(members);
    }

    /** Leader: proposes the membership for /zookeeper/config if the node shows other server lines. */
    void publish() {
        String shown = shownText();
        String wanted = wantedServerLines(List.of(), shown);
        if (wanted == null || InternalBodies.configServerLines(wanted).equals(InternalBodies.configServerLines(shown))) {
            return;
        }
        LOG.info("Publishing the membership in /zookeeper/config:\n{}", wanted);
        service.proposeInternal(InternalTxns.setConfig(wanted, service.nodeId(), service.nextOriginSeq()),
                () -> LOG.warn("Publishing the membership in /zookeeper/config failed; the next leader or the next"
                        + " configuration change retries"));
    }

    /**
     * A Raft configuration entry was applied, or Ratis shut this member down (Ratis thread: nothing is proposed
     * here). Serving is re-checked at once; the leader repairs /zookeeper/config after a delay, by which time the
     * node that handled the reconfig has normally written it (then there is nothing to repair).
     */
    void changed(NodeDuties duties) {
        duties.runLater(service::checkServing, java.time.Duration.ZERO);
        duties.runLater(() -> {
            if (service.isLeader() && txnLog.isMember()) {
                publish();
            }
        }, settings.membershipRepairDelay());
    }
}
