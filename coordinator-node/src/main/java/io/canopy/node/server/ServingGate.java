package io.canopy.node.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.replication.TxnLog;

/**
 * Whether this node serves clients, and what happens to its connections when it does not. Every few hundred
 * milliseconds (the duties thread) and right after every configuration change ({@link ClusterMembership#changed}):
 * while this node cannot serve (no contact with a leader), it refuses new sessions ({@link #isServing}) and closes
 * each client connection once the node has not served for a third of that session's timeout, as ZooKeeper's client
 * gives up on a silent server after two thirds of it. Clients then move to a node that can serve them, with time
 * left to resume their sessions before the leader could expire them, and no client keeps reading state that may be
 * going stale. The grace lets a routine leader change (an election takes a few seconds) pass without disconnecting
 * every client, where a ZooKeeper follower drops its clients at once.
 *
 * <p>In read-only mode ({@link #isReadOnly}) read-only connections stay, and so do handshakes under way (they may
 * be read-only clients'). Once the node serves again, every read-only connection is closed, as ZooKeeper closes
 * every connection when its read-only server shuts down: its client reconnects and, having never had a read-write
 * session, asks for a new one, which a serving node grants.
 *
 * <p>A node that is not in the configuration (removed, its Raft member shut down, or waiting to join) closes every
 * connection at once, without the grace: that is no passing election, its state is no longer kept up to date.
 * The one exception is a connection whose reconfig removed this node, until its reply has gone
 * ({@link ClientConnection#holdOpenForReply}).
 */
final class ServingGate {
    private static final Logger LOG = LoggerFactory.getLogger(ServingGate.class);

    private final TxnLog txnLog;
    private final ConnectionRegistry connections;
    private final ServerSettings settings;
    /** Connections holding a read-only session: closed as soon as this node serves again. */
    private final Set<ClientConnection> readOnlyConnections = ConcurrentHashMap.newKeySet();
    /** Whether, and since when ({@link System#nanoTime}), this node cannot serve; duties thread only. */
    private boolean notServing;
    private long notServingSince;
    /** Whether the last check found this node in read-only mode; duties thread only. */
    private boolean readOnlyMode;
    /** Whether the last check found this node in the Raft configuration; duties thread only. */
    private boolean member;
    /**
     * Whether this node has served since it started; duties thread only. Before that, waiting for the first
     * election is the normal course of a start, not a lost leader, and is logged as such.
     */
    private boolean servedOnce;

    ServingGate(TxnLog txnLog, ConnectionRegistry connections, ServerSettings settings) {
        this.txnLog = txnLog;
        this.connections = connections;
        this.settings = settings;
    }

    /** A read-only session was bound to {@code c} (event loop, during the handshake). */
    void readOnlyAttached(ClientConnection c) {
        readOnlyConnections.add(c);
    }

    /** {@code c} closed. */
    void readOnlyClosed(ClientConnection c) {
        readOnlyConnections.remove(c);
    }

    /** Applies the rules above to this node's connections now (duties thread). */
    void check() {
        long now = System.nanoTime();
        boolean nowMember = txnLog.isMember();
        if (nowMember != member) {
            member = nowMember;
            if (nowMember) {
                LOG.info("This node is in the Raft configuration as {}", txnLog.mode());
            } else {
                LOG.warn("This node is no longer in the Raft configuration (it was removed, or its Raft member shut"
                        + " down): closing every client connection and refusing new ones ({} connections); clients"
                        + " move to other members", connections.size());
            }
        }
        if (!nowMember) {
            readOnlyMode = false;
            readOnlyConnections.clear();
            for (ClientConnection c : connections.all()) {
                if (!c.heldOpenForReply()) {
                    c.closeNow("this node is not in the cluster's configuration");
                }
            }
            return;
        }
        if (txnLog.isServing()) {
            if (notServing) {
                LOG.info("In contact with the leader {}after {} ms: serving clients{}", servedOnce ? "again " : "",
                        (now - notServingSince) / 1_000_000, readOnlyConnections.isEmpty() ? ""
                                : "; closing " + readOnlyConnections.size() + " read-only connections");
                notServing = false;
                readOnlyMode = false;
            }
            servedOnce = true;
            // Every time, not only on the change: a read-only handshake may have raced with it.
            for (var it = readOnlyConnections.iterator(); it.hasNext(); ) {
                ClientConnection c = it.next();
                it.remove();
                c.closeNow("this node serves read-write sessions again: read-only session ended");
            }
            return;
        }
        if (!notServing) {
            notServing = true;
            notServingSince = now;
            if (servedOnce) {
                LOG.warn("No contact with a Raft leader: refusing new sessions, and closing each client connection"
                        + " after a third of its session timeout unless a leader is back by then ({} connections)",
                        connections.size());
            } else {
                LOG.info("Waiting for a Raft leader to be elected before serving clients");
            }
        }
        boolean readOnly = settings.readOnlyModeEnabled();
        if (readOnly && !readOnlyMode) {
            readOnlyMode = true;
            LOG.info("Read-only mode: serving read-only sessions to clients that allow them until a leader is back");
        }
        long elapsedMillis = (now - notServingSince) / 1_000_000;
        for (ClientConnection c : connections.all()) {
            if (!c.isReadOnly() && (c.sessionId() == 0 ? !readOnly : elapsedMillis >= c.timeoutMillis() / 3)) {
                c.closeNow("this node has had no contact with a leader for " + elapsedMillis + " ms");
            }
        }
    }

    /** Whether this node may serve clients now (asked of the log, not of the last periodic check). */
    boolean isServing() {
        return txnLog.isServing();
    }

    /**
     * Whether this node is in read-only mode now: read-only mode is enabled, and the node is a member of the
     * configuration that cannot serve (no contact with a leader). A node outside the configuration (removed, or
     * waiting to be added) has no state worth reading and serves nobody.
     */
    boolean isReadOnly() {
        return !txnLog.isServing() && readOnlyModeAllowed();
    }

    /** Whether this node would be in read-only mode if it could not serve. */
    private boolean readOnlyModeAllowed() {
        return settings.readOnlyModeEnabled() && txnLog.isMember();
    }
}
