package io.canopy.node.server;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;

import org.apache.jute.Record;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.AuthPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.core.TxnOutcome;
import io.canopy.core.txn.Txn;
import io.canopy.node.server.RequestCodec.Kind;
import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.OpCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;

/**
 * One client connection and, once the handshake is done, its session's request pipeline.
 *
 * <p><b>Ordering.</b> Replies leave in request order: requests wait in {@link #pipeline} until they are answered
 * and every earlier one has left. Writes are proposed at once (pipelined) and answered by the apply thread; reads
 * run when they reach the head: on the event loop under the service's read lock, or, when they waited behind a
 * write, on the apply thread right after that write is applied and before the entry's next transaction is (the
 * write lock held), so they see exactly the state between the session's writes, as ZooKeeper's CommitProcessor
 * gives them, while the session's later writes are already on their way through the log. A write is held back
 * (not proposed) only while an earlier sync or reconfig of the session is unanswered: its place in the log
 * relative to the sync's barrier is not known. Everything that leaves goes through one {@link Outbox}, and
 * every enqueue happens under this object's monitor while the caller holds the service's read or write lock, so
 * an event enqueued by apply always precedes the reply of any read that could see its change.
 *
 * <p><b>Read-only sessions.</b> A connection established in read-only mode ({@link #establishedReadOnly}) keeps
 * that mode until it closes: reads, watches and pings are served as usual, from the node's local state; every
 * request that would change replicated state or needs the leader (writes, multi, check, sync, reconfig) is
 * answered NOTREADONLY in turn, as ZooKeeper's ReadOnlyRequestProcessor does, and nothing is proposed;
 * closeSession is answered and closes the connection (the session lived only here). Its packets are not
 * reported to the leader as session activity: the session is not the leader's to track.
 *
 * <p><b>Threads.</b> Frames arrive on the channel's event loop; write outcomes arrive on the apply thread; sync
 * barriers complete on the log's threads. Lock order: service read/write lock, then this monitor, then the
 * watch registry's lock.
 */
public final class ClientConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    /** Beyond this many queued requests the connection stops reading until the backlog halves. */
    static final int MAX_QUEUED = 1000;

    enum Phase { AWAITING_CONNECT, CONNECTING, ESTABLISHED, CLOSED }

    private final CoordinatorService service;
    private final Channel channel;
    private final String remoteIp;
    private final Outbox outbox;
    private final List<Id> identities = new CopyOnWriteArrayList<>();
    private final ConnectionStats stats = new ConnectionStats();

    // Guarded by this.
    private Phase phase = Phase.AWAITING_CONNECT;
    private volatile long sessionId;
    private volatile int timeoutMillis;
    /** Set once, before the handshake's answer is queued, for a read-only session. */
    private volatile boolean readOnly;
    /** See {@link #holdOpenForReply}. */
    private volatile boolean heldOpenForReply;
    private final ArrayDeque<PendingRequest> pipeline = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> held = new ArrayDeque<>();
    /** Unanswered syncs and reconfigs: while there are any, writes are held (guarded by this). */
    private int unansweredBarriers;
    private boolean closing;
    /** Whether {@link #closeNow} was called already (guarded by this). */
    private boolean closingNow;
    /** Held while a write is checked and proposed; {@link #closeNow} takes it to stop proposals. */
    private final Object proposing = new Object();
    /** Set by {@link #closeNow}: no more writes of this connection go to the log (guarded by proposing). */
    private boolean proposalsStopped;
    private boolean drainScheduled;
    /** Whether a switch of reading waits on the event loop (guarded by this). */
    private boolean readingUpdateScheduled;

    ClientConnection(CoordinatorService service, Channel channel) {
        this.service = service;
        this.channel = channel;
        this.remoteIp = channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "0.0.0.0";
        this.outbox = new Outbox(channel, this, service.stats(), stats);
        identities.add(new Id("ip", remoteIp));
    }

    /** The negotiated session timeout, 0 before the handshake completes. */
    int timeoutMillis() {
        return timeoutMillis;
    }

    public long sessionId() {
        return sessionId;
    }

    /** Whether this connection holds a read-only session (established while the node could not serve). */
    public boolean isReadOnly() {
        return readOnly;
    }

    Channel channel() {
        return channel;
    }

    String remoteIp() {
        return remoteIp;
    }

    List<Id> identities() {
        return identities;
    }

    /** Entry point for every complete frame read from the channel (event loop thread). */
    public void receive(ByteBuf frame) {
        service.stats().packetReceived();
        Phase current;
        synchronized (this) {
            stats.received++;
            current = phase;
            if (current == Phase.CLOSED || closing) {
                return;
            }
            if (current == Phase.AWAITING_CONNECT) {
                phase = Phase.CONNECTING;
            }
        }
        if (current == Phase.AWAITING_CONNECT) {
            service.handshake().connect(this, ByteBufUtil.getBytes(frame));
            return;
        }
        int length = frame.readableBytes();
        if (length < 8) {
            closeNow("request shorter than its header (" + length + " bytes)");
            return;
        }
        // The body straight from the frame into its own array (a write's transaction carries it as it came).
        int at = frame.readerIndex();
        int xid = frame.getInt(at);
        int type = frame.getInt(at + 4);
        byte[] body = new byte[length - 8];
        frame.getBytes(at + 8, body);
        PendingRequest request;
        try {
            request = parse(xid, type, body);
        } catch (RequestCodec.MalformedRequestException e) {
            closeNow(e.getMessage());
            return;
        }
        if (sessionId != 0 && !readOnly) {
            service.touch(sessionId);
        }
        synchronized (this) {
            if (phase == Phase.CONNECTING || !held.isEmpty() || mustHold(request)) {
                held.add(request);
                updateReading();
                return;
            }
        }
        dispatch(request);
    }

    private PendingRequest parse(int xid, int type, byte[] body) throws RequestCodec.MalformedRequestException {
        Kind kind = RequestCodec.kind(type);
        Record record = kind == Kind.UNKNOWN || kind == Kind.SASL ? null : RequestCodec.decode(type, body);
        return new PendingRequest(xid, type, kind, record, body, System.nanoTime());
    }

    /**
     * Whether proposing this request now could let it overtake an earlier sync or reconfig (guarded by this). An
     * earlier read does not hold it: the read waits only behind an earlier write and runs when that write is
     * applied, before anything after it.
     */
    private boolean mustHold(PendingRequest request) {
        return request.kind == Kind.WRITE && unansweredBarriers > 0;
    }

    private static boolean isBarrier(Kind kind) {
        return kind == Kind.SYNC || kind == Kind.RECONFIG;
    }

    /** Starts a request whose turn has come: propose it, run it, or answer it (event loop thread). */
    private void dispatch(PendingRequest request) {
        request.identities = List.copyOf(identities);
        if (readOnly && answeredReadOnly(request)) {
            return;
        }
        switch (request.kind) {
            case AUTH -> authenticate(request);
            case SASL -> answerAndClose(request, ErrorCode.AUTHFAILED);
            case UNKNOWN -> {
                LOG.warn("Session 0x{}: unknown request type {}; answering UNIMPLEMENTED and closing",
                        Long.toHexString(sessionId), request.type);
                answerAndClose(request, ErrorCode.UNIMPLEMENTED);
            }
            case WRITE -> propose(request);
            case RECONFIG -> {
                enqueue(request);
                service.reconfigHandler().handle(this, request);
            }
            case READ -> {
                enqueue(request);
                drainNow();
            }
            case SYNC -> {
                enqueue(request);
                service.stats().syncStarted();
                service.txnLog().sync().whenComplete((ok, error) -> {
                    service.stats().syncEnded();
                    if (error != null) {
                        closeNow("sync barrier failed: " + error);
                        return;
                    }
                    synchronized (this) {
                        request.barrierPassed = true;
                    }
                    scheduleDrain();
                });
            }
        }
    }

    /**
     * On a read-only session: answers, in turn, what ZooKeeper's ReadOnlyRequestProcessor stops (writes, multi,
     * check, sync, reconfig: NOTREADONLY, with the node's last zxid) and closeSession (answered, then the
     * connection closes); returns false for what is served as usual.
     */
    private boolean answeredReadOnly(PendingRequest request) {
        boolean close = request.type == OpCode.CLOSE_SESSION;
        if (request.kind != Kind.WRITE && request.kind != Kind.SYNC && request.kind != Kind.RECONFIG) {
            return false;
        }
        long zxid = service.lastZxid();
        enqueue(request);
        replyInTurn(request, Frames.reply(request.xid, zxid, close ? 0 : ErrorCode.NOTREADONLY.code(), null), close,
                -1, false);
        return true;
    }

    /**
     * Proposes a write unless the connection is closing: once one of its writes failed (its outcome unknown), none
     * of its later writes may reach the log, so that what the session sent reaches the state as a prefix. The check
     * and the proposal happen under {@link #proposing}, which {@link #closeNow} takes to stop proposals, so a
     * failure delivered meanwhile either comes first (and this write is dropped with the connection) or after (and
     * this write fails with the rest). Not this connection's monitor: the apply thread takes that to deliver
     * outcomes, and must not wait while an event loop waits for the batcher.
     */
    private void propose(PendingRequest request) {
        enqueue(request);
        Txn txn = new Txn(sessionId, request.xid, request.type, request.body, request.identities,
                service.nodeId(), service.nextOriginSeq());
        synchronized (proposing) {
            boolean stop;
            synchronized (this) {
                stop = closing;
            }
            if (stop || proposalsStopped) {
                return;   // the connection is going away, and its pending requests with it
            }
            service.propose(txn, outcome -> writeApplied(request, outcome),
                    () -> closeNow("proposal of " + OpCode.name(request.type) + " failed"));
        }
    }

    private synchronized void enqueue(PendingRequest request) {
        pipeline.add(request);
        if (isBarrier(request.kind)) {
            unansweredBarriers++;
        }
        updateReading();
    }

    /** Replies {@code err} in turn, then closes: ZooKeeper's answer to an unknown opcode or a SASL packet. */
    private void answerAndClose(PendingRequest request, ErrorCode err) {
        synchronized (this) {
            request.reply = Frames.reply(request.xid, -1, err.code(), null);
            request.closeAfter = true;
            closing = true;
            held.clear();
            pipeline.add(request);
            advance(false);
        }
        scheduleDrain(); // earlier reads may still be waiting to run before this reply can leave
    }

    /** addAuth is answered on receipt, outside the pipeline (the client matches xid -4 separately). */
    private void authenticate(PendingRequest request) {
        AuthPacket packet = (AuthPacket) request.record;
        List<Id> proven = service.authenticator().authenticate(packet.getScheme(), packet.getAuth(), remoteIp);
        synchronized (this) {
            if (proven == null) {
                LOG.warn("Session 0x{}: authentication failed for scheme {}; closing", Long.toHexString(sessionId),
                        packet.getScheme());
                outbox.add(Frames.reply(request.xid, 0, ErrorCode.AUTHFAILED.code(), null));
                closing = true;
                held.clear();
                outbox.closeAfterFlush();
                return;
            }
            for (Id id : proven) {
                if (!identities.contains(id)) {
                    identities.add(id);
                }
            }
            outbox.add(Frames.reply(request.xid, 0, ErrorCode.OK.code(), null));
        }
    }

    /**
     * The apply thread delivers the outcome of one of this connection's writes, with the service's write lock
     * held and before it applies the next transaction: the reads queued behind this write run now, against the
     * state that includes it and none of the session's later writes.
     */
    void writeApplied(PendingRequest request, TxnOutcome outcome) {
        replyInTurn(request, Frames.reply(request.xid, outcome.zxid(), outcome.err(), outcome.response()),
                outcome.closedSessionId() == sessionId && sessionId != 0, outcome.zxid(), true);
    }

    /**
     * A request answered beside the pipeline (reconfig) has its reply; it leaves in turn. Any thread; the apply
     * thread calls it with the write lock held, like {@link #writeApplied}.
     */
    void answered(PendingRequest request, long zxid, int err, Record body) {
        answered(request, zxid, err, body, false);
    }

    /** As {@link #answered(PendingRequest, long, int, Record)}; {@code closeAfter}: close once it has been sent. */
    void answered(PendingRequest request, long zxid, int err, Record body, boolean closeAfter) {
        replyInTurn(request, Frames.reply(request.xid, zxid, err, body), closeAfter, err == 0 ? zxid : -1, false);
    }

    /**
     * While true, this connection waits for the reply of a reconfig that removes this node, and the gate that
     * closes every connection of a node outside the configuration leaves it open (the reply closes it).
     */
    void holdOpenForReply(boolean hold) {
        heldOpenForReply = hold;
    }

    boolean heldOpenForReply() {
        return heldOpenForReply;
    }

    /**
     * Sets a pipelined request's reply and lets what is answered leave in order; {@code lastZxid} -1 keeps it.
     * {@code execute}: the caller holds the service's write lock, so the reads (and passed syncs) that reach the
     * head run here too.
     */
    private synchronized void replyInTurn(PendingRequest request, byte[] reply, boolean closeAfter, long lastZxid,
            boolean execute) {
        if (phase == Phase.CLOSED) {
            return;
        }
        request.reply = reply;
        request.closeAfter = closeAfter;
        if (lastZxid != -1) {
            stats.lastZxid = lastZxid;
        }
        advance(execute);
        PendingRequest head = pipeline.peek();
        if ((head != null && head.executable()) || !held.isEmpty()) {
            scheduleDrain();
        }
    }

    /**
     * Answers the pipeline's head as long as it can: queued replies leave; when {@code execute} is set (the
     * caller holds the service's read lock) reads and passed syncs run. Guarded by this.
     */
    private void advance(boolean execute) {
        PendingRequest head;
        while ((head = pipeline.peek()) != null) {
            if (head.reply == null) {
                if (!execute || !head.executable()) {
                    break;
                }
                head.reply = service.executor().execute(this, head);
            }
            pipeline.poll();
            if (isBarrier(head.kind)) {
                unansweredBarriers--;
            }
            outbox.add(head.reply);
            stats.answered(head, service.stats());
            if (head.closeAfter) {
                closing = true;
                pipeline.clear();
                held.clear();
                outbox.closeAfterFlush();
                return;
            }
        }
        updateReading();
    }

    /** Runs executable heads under the read lock (event loop thread). */
    private void drainNow() {
        service.readLock().lock();
        try {
            synchronized (this) {
                if (phase != Phase.CLOSED) {
                    advance(true);
                }
            }
        } finally {
            service.readLock().unlock();
        }
    }

    /** Lets requests held back by an earlier read, sync or the handshake go, in order (event loop thread). */
    private void releaseHeld() {
        while (true) {
            PendingRequest next;
            synchronized (this) {
                next = held.peek();
                if (phase != Phase.ESTABLISHED || closing || next == null || mustHold(next)) {
                    return;
                }
                held.poll();
            }
            dispatch(next);
        }
    }

    /** Drains and releases on the event loop; callable from any thread. */
    void scheduleDrain() {
        synchronized (this) {
            if (drainScheduled || phase == Phase.CLOSED) {
                return;
            }
            drainScheduled = true;
        }
        try {
            channel.eventLoop().execute(() -> {
                synchronized (this) {
                    drainScheduled = false;
                }
                drainNow();
                releaseHeld();
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("event loop shut down; drain of 0x{} dropped", Long.toHexString(sessionId));
        }
    }

    /**
     * Reading pauses while too many requests are queued or while the client does not read its replies (the
     * channel is over its write high-water mark), so a misbehaving client cannot make the server buffer without
     * bound. Guarded by this. The switch itself happens on the event loop only: Netty's setAutoRead(false) from
     * another thread clears the read interest in a task of its own, which could run after the event loop had
     * switched reading back on and leave a connection with auto-read on and nothing reading, for good (a stalled
     * deep pipeline whose session then expired, seen once in PipelineTest on JDK 25).
     */
    private void updateReading() {
        if (channel.eventLoop().inEventLoop()) {
            switchReading();
        } else if (!readingUpdateScheduled && readingShouldChange()) {
            readingUpdateScheduled = true;
            try {
                channel.eventLoop().execute(() -> {
                    synchronized (this) {
                        readingUpdateScheduled = false;
                        if (phase != Phase.CLOSED) {
                            switchReading();
                        }
                    }
                });
            } catch (RejectedExecutionException e) {
                readingUpdateScheduled = false;
            }
        }
    }

    /** Event loop, guarded by this: reading on or off as the queue and the channel's writability require. */
    private void switchReading() {
        if (readingShouldChange()) {
            channel.config().setAutoRead(!channel.config().isAutoRead());
        }
    }

    /**
     * Whether reading should be switched now (guarded by this; any thread may ask, so that a reply sent from the
     * apply thread only bothers the event loop when a switch is due).
     */
    private boolean readingShouldChange() {
        int queued = pipeline.size() + held.size();
        boolean reading = channel.config().isAutoRead();
        return reading ? queued >= MAX_QUEUED || !channel.isWritable()
                : queued < MAX_QUEUED / 2 && channel.isWritable();
    }

    /** The channel's writability changed (event loop thread). */
    public void writabilityChanged() {
        synchronized (this) {
            if (phase != Phase.CLOSED) {
                updateReading();
            }
        }
    }

    /** The handshake succeeded: answer it and start serving what the client already sent. */
    void established(long id, int timeout, byte[] password) {
        establish(id, timeout, password, false);
    }

    /** A read-only session was opened (nothing proposed): answer with the readOnly flag and serve reads. */
    void establishedReadOnly(long id, int timeout, byte[] password) {
        establish(id, timeout, password, true);
    }

    private void establish(long id, int timeout, byte[] password, boolean readOnlySession) {
        synchronized (this) {
            if (phase == Phase.CLOSED) {
                return;
            }
            sessionId = id;
            timeoutMillis = timeout;
            readOnly = readOnlySession;
            phase = Phase.ESTABLISHED;
            stats.establishedAt = System.currentTimeMillis();
            outbox.add(Frames.connectResponse(timeout, id, password, readOnlySession));
            if (!held.isEmpty()) {
                scheduleDrain();
            }
        }
    }

    /** The session cannot be resumed: answer with session 0, which the client reports as expired, then close. */
    void refuseSession() {
        synchronized (this) {
            closing = true;
            held.clear();
            outbox.add(Frames.connectResponse(0, 0, new byte[16]));
            outbox.closeAfterFlush();
        }
    }

    /** A watch notification, queued by the apply thread (under the write lock) or by setWatches. */
    void sendEvent(byte[] frame) {
        synchronized (this) {
            if (phase != Phase.CLOSED && !closing) {
                outbox.add(frame);
            }
        }
    }

    /** The session was closed or expired: close once what is queued has been sent. */
    void sessionClosed() {
        synchronized (this) {
            if (pipeline.stream().anyMatch(p -> p.closeAfter)) {
                return; // its own closeSession: closes once that reply has left, in order
            }
            closing = true;
            held.clear();
            outbox.closeAfterFlush();
        }
    }

    /**
     * Closes at once (malformed input, failed proposal, replaced by a newer connection of the session). Logs the
     * first reason only: once the log cannot commit, each of the connection's pipelined writes fails and calls this.
     */
    public void closeNow(String reason) {
        synchronized (proposing) {   // taken alone, never inside this connection's monitor (see propose)
            proposalsStopped = true;
        }
        boolean first;
        synchronized (this) {
            first = !closingNow;
            closingNow = true;
            closing = true;
        }
        if (first) {
            LOG.info("Closing connection from {} (session 0x{}): {}", channel.remoteAddress(),
                    Long.toHexString(sessionId), reason);
        } else {
            LOG.debug("Closing connection from {} (session 0x{}), again: {}", channel.remoteAddress(),
                    Long.toHexString(sessionId), reason);
        }
        channel.close();
    }

    /** The channel is gone (event loop thread): forget everything queued; the session lives on until expiry. */
    public void channelClosed() {
        synchronized (this) {
            phase = Phase.CLOSED;
            pipeline.clear();
            held.clear();
            outbox.clear();
        }
        service.connectionClosed(this);
    }

    synchronized ConnectionInfo info() {
        return stats.info(String.valueOf(channel.remoteAddress()), sessionId, timeoutMillis,
                pipeline.size() + held.size());
    }

}
