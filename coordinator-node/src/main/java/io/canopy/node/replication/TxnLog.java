package io.canopy.node.replication;

import java.util.concurrent.CompletableFuture;

import io.canopy.core.txn.Txn;

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
     * A linearizable barrier for {@code sync}: completes once this node has applied everything the leader had
     * committed when the barrier was confirmed by a quorum (Raft ReadIndex).
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
     * This node's role as ZooKeeper's {@code srvr} reports it: {@code standalone} for a one-member group, else
     * {@code leader} or {@code follower} ({@code observer} for a non-voting member).
     */
    default String mode() {
        return isLeader() ? "leader" : "follower";
    }

    /**
     * The membership as {@code /zookeeper/config} should show it (ZooKeeper's dynamic-configuration text), or
     * null for a standalone node, whose config node stays empty as ZooKeeper's does.
     */
    default String membershipConfig() {
        return null;
    }

    /** This node's id, stamped into the transactions it proposes. */
    int nodeId();
}
