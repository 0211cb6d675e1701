package io.canopy.node.server;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.SessionInfo;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.protocol.BoundedInputArchive;

/**
 * The first frame of a connection: ZooKeeper's ConnectRequest. A new session is proposed to the log and answered
 * once applied (so every replica knows it before the client can use it); an existing one is resumed from the
 * replicated session table if its password matches. The client's trailing readOnly byte is optional (old
 * clients omit it), so the request is read field by field rather than as the 3.9 record.
 *
 * <p>A member that cannot serve but is in read-only mode ({@link CoordinatorService#isReadOnly}) gives a client
 * that set readOnly a read-only session instead, as ZooKeeper's ReadOnlyZooKeeperServer does: a new session id
 * that only this node knows (nothing is proposed), answered at once with the readOnly flag set. It refuses,
 * by closing the connection, clients without the flag and clients that resume a session.
 */
final class ConnectHandshake {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectHandshake.class);

    /** The fields of a ConnectRequest that matter here; {@code readOnly} is false for old clients. */
    record Request(long lastZxidSeen, int timeoutMillis, long sessionId, byte[] password, boolean readOnly) {
    }

    private final CoordinatorService service;
    private final ServerSettings settings;
    private final SessionIds ids;

    ConnectHandshake(CoordinatorService service, ServerSettings settings, SessionIds ids) {
        this.service = service;
        this.settings = settings;
        this.ids = ids;
    }

    static Request parse(byte[] frame) throws IOException {
        BoundedInputArchive in = new BoundedInputArchive(frame);
        in.readInt("protocolVersion");
        long lastZxidSeen = in.readLong("lastZxidSeen");
        int timeout = in.readInt("timeOut");
        long sessionId = in.readLong("sessionId");
        byte[] password = in.readBuffer("passwd");
        boolean readOnly = in.remaining() > 0 && in.readBool("readOnly");
        return new Request(lastZxidSeen, timeout, sessionId, password == null ? new byte[0] : password, readOnly);
    }

    void connect(ClientConnection connection, byte[] frame) {
        Request request;
        try {
            request = parse(frame);
        } catch (IOException | RuntimeException e) {
            connection.closeNow("malformed connect request: " + e);
            return;
        }
        if (!service.isServing()) {
            if (service.isReadOnly()) {
                connectReadOnly(connection, request);
                return;
            }
            // As a ZooKeeper server that is not serving: the client tries the next server of its connect string.
            // Not serving: no contact with a leader, or not in the configuration (removed, or not yet added).
            connection.closeNow("refusing session request: this node has no contact with a leader or is not in"
                    + " the cluster's configuration");
            return;
        }
        if (refusedForNewerZxid(connection, request, "session request")) {
            return;
        }
        if (request.sessionId() == 0) {
            createSession(connection, negotiate(request.timeoutMillis()));
        } else {
            resumeSession(connection, request);
        }
    }

    /**
     * In read-only mode, in ZooKeeper's order (ZooKeeperServer.processConnectRequest, ReadOnlyZooKeeperServer):
     * a client without the readOnly flag is refused, then one that has seen a newer zxid; a client that resumes a
     * session is refused too (ZooKeeper refuses "global session reconnection in RO mode"; a session this node does
     * not know may have been created elsewhere after it lost the leader, so it is not declared expired either).
     * A new session is local to this connection: its id comes from this node's generator, so it cannot collide
     * with a replicated session, and it is never proposed, so no other node, and no snapshot, ever sees it.
     */
    private void connectReadOnly(ClientConnection connection, Request request) {
        if (!request.readOnly()) {
            connection.closeNow("refusing session request for a not-read-only client: this node has no contact"
                    + " with a leader and serves read-only clients only");
            return;
        }
        if (refusedForNewerZxid(connection, request, "read-only session request")) {
            return;
        }
        if (request.sessionId() != 0) {
            connection.closeNow("refusing to resume session 0x" + Long.toHexString(request.sessionId())
                    + " in read-only mode; client must try another server");
            return;
        }
        long sessionId = ids.nextId();
        int timeout = negotiate(request.timeoutMillis());
        service.attachReadOnly(connection, sessionId);
        connection.establishedReadOnly(sessionId, timeout, ids.newPassword());
    }

    /**
     * ZooKeeper's rule: a client that has seen a newer zxid than this node has must not be served from here; its
     * connection is closed so that it tries another server. Returns whether it was refused.
     */
    private boolean refusedForNewerZxid(ClientConnection connection, Request request, String what) {
        long ourZxid = service.lastZxid();
        if (request.lastZxidSeen() <= ourZxid) {
            return false;
        }
        connection.closeNow("refusing " + what + ": client has seen zxid 0x" + Long.toHexString(request.lastZxidSeen())
                + ", our last zxid is 0x" + Long.toHexString(ourZxid) + "; client must try another server");
        return true;
    }

    private int negotiate(int requested) {
        int min = (int) settings.minSessionTimeout().toMillis();
        int max = (int) settings.maxSessionTimeout().toMillis();
        return Math.max(min, Math.min(max, requested));
    }

    private void createSession(ClientConnection connection, int timeout) {
        long sessionId = ids.nextId();
        byte[] password = ids.newPassword();
        Txn txn = InternalTxns.createSession(sessionId, timeout, password, List.copyOf(connection.identities()),
                service.nodeId(), service.nextOriginSeq());
        service.propose(txn, outcome -> {
            if (outcome.err() != 0) {
                connection.closeNow("session creation failed with error " + outcome.err());
                return;
            }
            service.attach(connection, sessionId);
            connection.established(sessionId, timeout, password);
        }, () -> connection.closeNow("session creation could not be committed"));
    }

    /** A session without a connection, for the REST layer: created like any other, through the log. */
    void openDetachedSession(int requestedTimeout, java.util.concurrent.CompletableFuture<Long> result) {
        long sessionId = ids.nextId();
        Txn txn = InternalTxns.createSession(sessionId, negotiate(requestedTimeout), ids.newPassword(), List.of(),
                service.nodeId(), service.nextOriginSeq());
        service.propose(txn, outcome -> {
            if (outcome.err() == 0) {
                result.complete(sessionId);
            } else {
                result.completeExceptionally(new IllegalStateException("session creation failed: " + outcome.err()));
            }
        }, () -> result.completeExceptionally(new IllegalStateException("session creation not committed")));
    }

    /**
     * Resumes a session from the replicated table. A session this node does not know yet may have been created
     * through another node moments ago: this node first catches up with the leader (sync) and looks again. A
     * session owned by another node (its client was connected there) is moved here through the log first, which
     * closes the stale connection on the old node and makes writes still proposed there fail with SESSIONMOVED.
     */
    private void resumeSession(ClientConnection connection, Request request) {
        resumeSession(connection, request, false);
    }

    private void resumeSession(ClientConnection connection, Request request, boolean synced) {
        SessionInfo session = service.read(s -> s.session(request.sessionId()));
        if (session == null && !synced) {
            service.txnLog().sync().whenComplete((ok, e) -> {
                if (e != null) {
                    connection.closeNow("could not catch up with the leader to look up session 0x"
                            + Long.toHexString(request.sessionId()) + ": " + e);
                } else {
                    resumeSession(connection, request, true);
                }
            });
            return;
        }
        if (session == null || !Arrays.equals(session.password(), request.password())) {
            LOG.info("Refusing to resume session 0x{} from {}: {}", Long.toHexString(request.sessionId()),
                    connection.channel().remoteAddress(), session == null ? "no such session" : "wrong password");
            connection.refuseSession();
            return;
        }
        // As ZooKeeper does, the timeout is negotiated again from this request; a different one travels with the
        // move (also to this same node), so the leader expires the session by it and every replica records it.
        int timeout = negotiate(request.timeoutMillis());
        boolean retimed = timeout != session.timeoutMillis();
        if (session.ownerNode() == service.nodeId() && !retimed) {
            attachIfLive(connection, request);
            return;
        }
        Txn move = new Txn(session.sessionId(), 0, TxnTypes.MOVE_SESSION,
                retimed ? InternalBodies.moveSession(timeout) : new byte[0], List.of(), service.nodeId(),
                service.nextOriginSeq());
        service.propose(move, outcome -> {
            if (outcome.err() != 0) {
                connection.refuseSession();   // expired meanwhile
                return;
            }
            service.attach(connection, session.sessionId());
            connection.established(session.sessionId(), timeout, session.password());
            service.touch(session.sessionId());
        }, () -> connection.closeNow("could not move session 0x" + Long.toHexString(session.sessionId())
                + " to this node: not committed"));
    }

    /** Checked and attached under the read lock, so a concurrent expiry either precedes (refused) or follows. */
    private void attachIfLive(ClientConnection connection, Request request) {
        service.readLock().lock();
        try {
            SessionInfo session = service.state().session(request.sessionId());
            if (session == null) {
                connection.refuseSession();
                return;
            }
            service.attach(connection, session.sessionId());
            connection.established(session.sessionId(), session.timeoutMillis(), session.password());
        } finally {
            service.readLock().unlock();
        }
        service.touch(request.sessionId());
    }
}
