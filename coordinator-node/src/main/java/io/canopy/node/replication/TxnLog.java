package io.canopy.node.replication;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.canopy.core.txn.Txn;
import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * The consensus log as the server sees it. Transactions are batched into log entries; every entry is applied,
 * on every replica and in log order, through {@link StateMachineApplier#apply}.
 */
public interface TxnLog {

    /**
     * Proposes a transaction. The future completes normally after the entry holding it has been committed and
     * applied on this node (so the outcome was already delivered through {@link StateMachineApplier#apply}), and
     * exceptionally when this node cannot tell whether it will ever be applied (no leader, timeout, shutdown):
     * the caller then treats the request as a lost connection, as ZooKeeper does. Order of calls is log order.
     */
    CompletableFuture<Void> propose(Txn txn);

    /**
     * Proposes a transaction in an entry of its own, not ordered with this node's other entries, for a proposer
     * that may never apply it: a node whose reconfig removed it from the configuration receives no more entries. The
     * future completes once the entry is committed, with what the leader's {@link StateMachineApplier#apply}
     * answered for it, whether or not this node has applied it; exceptionally as {@link #propose} does.
     */
    default CompletableFuture<byte[]> proposeCommitted(Txn txn) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("only a replicated log answers this"));
    }

    /**
     * A linearizable barrier for {@code sync}: completes once this node has applied everything acknowledged
     * before the call (in a cluster: a barrier entry that a quorum committed, applied here).
     */
    CompletableFuture<Void> sync();

    /**
     * Reports to the leader that these sessions, connected to this node, showed activity since the last report
     * (ZooKeeper's followers report session touches with their pings); the leader's
     * {@link StateMachineApplier#sessionsActiveElsewhere} receives them. Best effort: one lost report does not
     * matter, only silence for a whole session timeout does.
     */
    CompletableFuture<Void> reportSessionActivity(long[] sessionIds);

    /** Whether this node currently leads (and so runs the leader duties: session expiry, clean-up). */
    boolean isLeader();

    /**
     * Whether this node may serve ZooKeeper clients: it belongs to the group and is in contact with a leader
     * (or leads). A node cut off from the leader must not go on answering from state that may already be stale
     * and keep sessions alive that the leader is expiring; as a ZooKeeper follower that loses its leader, it
     * closes its clients' connections so that they move to a node that can serve them.
     */
    default boolean isServing() {
        return true;
    }

    /**
     * This node's role as ZooKeeper's {@code srvr} reports it: {@code standalone} for a node alone in its group
     * (one voter, no listener, not joining), else {@code leader}, {@code follower}, or {@code observer} for a
     * non-voting member.
     */
    default String mode() {
        return isLeader() ? "leader" : "follower";
    }

    /**
     * The members of the current configuration: voters and observers with their peer addresses, without client
     * addresses (the Raft configuration does not carry them). Empty for a standalone node, whose
     * /zookeeper/config stays empty as ZooKeeper's does.
     */
    default List<Member> members() {
        return List.of();
    }

    /** The members this node was configured with ({@code canopy.cluster.members}), a source of client addresses. */
    default List<Member> configuredMembers() {
        return List.of();
    }

    /**
     * Whether this node belongs to the current configuration. A node that was removed, or that waits to be added,
     * must not serve clients: its state is not kept up to date.
     */
    default boolean isMember() {
        return true;
    }

    /** Whether a membership change is under way (Raft joint consensus, or new members catching up). */
    default boolean membershipChanging() {
        return false;
    }

    /**
     * Changes the membership to {@code next} if it still is {@code current} (compare and set on ids and roles),
     * through whichever node leads. Completes once the new configuration is committed; fails with a
     * {@link MembershipChangeException} saying why not. Never completes on the caller's thread before returning
     * and never blocks it.
     */
    default CompletableFuture<Void> changeMembership(List<Member> current, List<Member> next) {
        return CompletableFuture.failedFuture(new MembershipChangeException(MembershipChangeException.Reason.DISABLED,
                "this log has no run-time membership"));
    }

    /** This node's id, stamped into the transactions it proposes. */
    int nodeId();

    /**
     * What this node sees as leader, for ZooKeeper's leader-only {@code mntr} keys; null when it does not lead
     * (and for a log without replication).
     */
    default LeaderView leaderView() {
        return null;
    }

    /**
     * The leader's view of the members it replicates to and of the entries it appended.
     *
     * @param learners        every member the leader sends its log to (ZooKeeper's learners): followers, observers,
     *                        and new members still catching up before a membership change
     * @param uptimeMillis    how long this node has led (ZooKeeper's leader_uptime)
     * @param lastEntryBytes  size of the last log entry appended while leading, -1 if none yet (ZooKeeper's proposal
     *                        sizes; a Canopy entry is a batch of transactions, see {@link EntrySizes})
     * @param minEntryBytes   the smallest, -1 if none
     * @param maxEntryBytes   the largest, -1 if none
     */
    record LeaderView(List<Learner> learners, long uptimeMillis, long lastEntryBytes, long minEntryBytes,
                      long maxEntryBytes) {
        public LeaderView {
            learners = List.copyOf(learners);
        }

        /** Learners of {@code role} (null: not in the configuration yet) that are synced. */
        public int synced(ReplicationSettings.Role role) {
            return (int) learners.stream().filter(l -> l.synced() && l.role() == role).count();
        }
    }

    /**
     * One member the leader replicates to.
     *
     * @param role   its role in the current configuration; null for a new member that is still catching up before
     *               a membership change makes it one (ZooKeeper's non-voting follower)
     * @param synced caught up and in contact: the leader heard from it within the longest election timeout, and the
     *               commit index it last reported is within {@code RatisConfig.CATCH_UP_GAP} entries of the leader's
     *               (the gap within which Ratis itself declares a new member caught up)
     */
    record Learner(int nodeId, ReplicationSettings.Role role, boolean synced) {
    }
}
