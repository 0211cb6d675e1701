package io.canopy.node.server;

import java.util.List;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;

/**
 * One request in a session's pipeline, from receipt until its reply has been queued in the outbox. Mutable
 * fields are guarded by the owning {@link ClientConnection}'s monitor.
 */
final class PendingRequest {
    final int xid;
    final int type;
    final RequestCodec.Kind kind;
    final Record record;
    final byte[] body;
    /**
     * The connection's identities when the request's turn came (set on dispatch, in request order): an addAuth
     * sent before it applies to it, one sent after it does not.
     */
    List<Id> identities;
    final long receivedNanos;

    /** The complete reply frame, once known. */
    byte[] reply;
    /** Close the connection once this reply is flushed (closeSession, unknown opcode, closed session). */
    boolean closeAfter;
    /** For sync: the log's barrier has completed; the reply can be produced when the request reaches the head. */
    boolean barrierPassed;

    PendingRequest(int xid, int type, RequestCodec.Kind kind, Record record, byte[] body, long receivedNanos) {
        this.xid = xid;
        this.type = type;
        this.kind = kind;
        this.record = record;
        this.body = body;
        this.receivedNanos = receivedNanos;
    }

    /** Whether the head of the pipeline can be answered now by running it locally. */
    boolean executable() {
        return reply == null && (kind == RequestCodec.Kind.READ || (kind == RequestCodec.Kind.SYNC && barrierPassed));
    }
}
