package io.canopy.node.replication;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppenderBase;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.util.AwaitForSignal;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.Timestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.replication.ReplicationLink.Frame;

/**
 * The leader's end of a {@link ReplicationLink}: Ratis's log appender for one follower, sending each append (or
 * snapshot chunk) on a plain socket and reading its reply on its own thread before it sends the next, as Ratis's
 * own appender for its non-gRPC transports does. What to send comes from Ratis ({@code newAppendEntriesRequest}
 * builds it from the follower's next index); a reply moves the follower's match and next index only when it
 * answers the request just sent, so a lost connection loses nothing: the next connection resends from the next
 * index, and the follower skips what it already has.
 *
 * <p>Like {@link CommitNotifyingGrpc.Appender}, it tells an idle follower of a new commit index at once, in an
 * append without entries, rather than at the next heartbeat: a write answered by the follower waits for it.
 */
final class LinkAppender extends LogAppenderBase {
    private static final Logger log = LoggerFactory.getLogger(LinkAppender.class);
    private static final int BUFFER_BYTES = 64 << 10;

    private final String address;
    private final AtomicLong callId = new AtomicLong();
    private final CommitNotifyingGrpc.StickySignal wakeUp = new CommitNotifyingGrpc.StickySignal(this);
    /** The highest commit index sent in an append without entries (appender thread only). */
    private long commitSent = -1;
    private volatile Socket socket;
    private DataInputStream in;
    private DataOutputStream out;
    /** Whether the link failed since it last worked: only the first failure of an outage is logged at WARN. */
    private boolean failing;
    /** The wait before the next attempt while the link fails: doubles from Ratis's rpc sleep time up to a cap. */
    private long retryDelayMs;
    /** The snapshot last announced in the log, so that retries while the link fails do not repeat it. */
    private TermIndex snapshotAnnounced;

    LinkAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower, String address) {
        super(server, state, follower);
        this.address = address;
    }

    @Override
    public long getCallId() {
        return callId.get();
    }

    @Override
    public Comparator<Long> getCallIdComparator() {
        return Long::compare;
    }

    /** A wake-up that arrives while the appender is busy is kept for its next wait (see StickySignal). */
    @Override
    public AwaitForSignal getEventAwaitForSignal() {
        return wakeUp;
    }

    @Override
    public void run() throws InterruptedException, IOException {
        try {
            while (isRunning()) {
                boolean sent = false;
                try {
                    if (shouldSendAppendEntries()) {
                        SnapshotInfo snapshot = shouldInstallSnapshot();
                        sent = snapshot != null ? installSnapshot(snapshot) : append();
                    } else if (commitToSend() > 0) {
                        sent = append();
                    }
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException e) {
                    linkFailed(e);
                    continue;
                }
                if (isRunning() && !sent && !hasAppendEntries()) {
                    getEventAwaitForSignal().await(getHeartbeatWaitTimeMs(), TimeUnit.MILLISECONDS);
                }
                getLeaderState().checkHealth(getFollower());
            }
        } finally {
            closeSocket();
        }
    }

    /** Sends entries, or a heartbeat or commit notice if there are none to send; false if nothing was due. */
    private boolean append() throws IOException {
        AppendEntriesRequestProto request = newAppendEntriesRequest(callId.getAndIncrement(), false);
        if (request == null) {
            if (commitToSend() <= 0 && !shouldSendAppendEntries()) {
                return false;
            }
            request = newAppendEntriesRequest(callId.getAndIncrement(), true);
        }
        if (request.getEntriesCount() == 0) {
            commitSent = Math.max(commitSent, request.getLeaderCommit());
        }
        resetHeartbeatTrigger();
        Timestamp sendTime = Timestamp.currentTime();
        getFollower().updateLastRpcSendTime(request.getEntriesCount() == 0);
        AppendEntriesReplyProto reply = AppendEntriesReplyProto.parseFrom(exchange(ReplicationLink.APPEND, request));
        getFollower().updateLastRpcResponseTime();
        getFollower().updateLastRespondedAppendEntriesSendTime(sendTime);
        getLeaderState().onFollowerCommitIndex(getFollower(), reply.getFollowerCommit());
        onReply(request, reply);
        return true;
    }

    private void onReply(AppendEntriesRequestProto request, AppendEntriesReplyProto reply) {
        switch (reply.getResult()) {
            case SUCCESS -> {
                long old = getFollower().getNextIndex();
                long previous = request.hasPreviousLog() ? request.getPreviousLog().getIndex()
                        : RaftLog.INVALID_LOG_INDEX;
                long next = request.getEntriesCount() == 0 ? Math.max(old, previous + 1) : reply.getNextIndex();
                if (next > old) {
                    getFollower().updateMatchIndex(next - 1);
                    getFollower().increaseNextIndex(next);
                    getLeaderState().onFollowerSuccessAppendEntries(getFollower());
                }
            }
            case NOT_LEADER -> onFollowerTerm(reply.getTerm());
            case INCONSISTENCY -> {
                long first = request.getEntriesCount() > 0 ? request.getEntries(0).getIndex()
                        : RaftLog.INVALID_LOG_INDEX;
                getFollower().setNextIndex(getNextIndexForInconsistency(first, reply.getNextIndex()));
            }
            default -> log.warn("{}: unexpected append reply {}", this, reply.getResult());
        }
        getLeaderState().onAppendEntriesReply(this, reply);
    }

    /** Sends a snapshot in chunks, as Ratis's own appenders do when the follower needs entries purged here. */
    private boolean installSnapshot(SnapshotInfo snapshot) throws IOException {
        if (!snapshot.getTermIndex().equals(snapshotAnnounced)) {
            snapshotAnnounced = snapshot.getTermIndex();
            log.info("{}: follower next index {} is before the log's start {}: sending snapshot {}", this,
                    getFollower().getNextIndex(), getRaftLog().getStartIndex(), snapshot.getTermIndex());
        }
        InstallSnapshotReplyProto reply = null;
        for (InstallSnapshotRequestProto request : newInstallSnapshotRequests(UUID.randomUUID().toString(), snapshot)) {
            getFollower().updateLastRpcSendTime(false);
            reply = InstallSnapshotReplyProto.parseFrom(exchange(ReplicationLink.INSTALL_SNAPSHOT, request));
            getFollower().updateLastRpcResponseTime();
            if (!reply.getServerReply().getSuccess()) {
                break;
            }
        }
        if (reply == null) {
            return true;
        }
        switch (reply.getResult()) {
            case NOT_LEADER -> onFollowerTerm(reply.getTerm());
            case SUCCESS, SNAPSHOT_UNAVAILABLE, ALREADY_INSTALLED, SNAPSHOT_EXPIRED -> {
                if (reply.getResult() == org.apache.ratis.proto.RaftProtos.InstallSnapshotResult.SUCCESS) {
                    getFollower().setSnapshotIndex(snapshot.getTermIndex().getIndex());
                    log.info("{}: snapshot {} installed", this, snapshot.getTermIndex());
                }
                getFollower().setAttemptedToInstallSnapshot();
            }
            default -> log.info("{}: snapshot {} not installed: {}", this, snapshot.getTermIndex(), reply.getResult());
        }
        return true;
    }

    /** The commit index to tell this follower in an append without entries, or 0 (see CommitNotifyingGrpc). */
    private long commitToSend() {
        return CommitNotifyingGrpc.commitNotice(this, commitSent);
    }

    /** Sends one request and reads its reply, connecting first if need be. */
    private byte[] exchange(byte type, org.apache.ratis.thirdparty.com.google.protobuf.MessageLite request)
            throws IOException {
        connect();
        ReplicationLink.writeFrame(out, type, request);
        Frame reply = ReplicationLink.readFrame(in);
        if (reply.type() != type) {
            throw new IOException("reply of type " + reply.type() + " to a request of type " + type);
        }
        if (failing) {
            failing = false;
            log.info("{}: replication link to {} works again", this, address);
        }
        retryDelayMs = 0;
        return reply.body();
    }

    private void connect() throws IOException {
        if (socket != null) {
            return;
        }
        int colon = address.lastIndexOf(':');
        int timeoutMs = getServer().properties().maxRpcTimeoutMs();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                    timeoutMs);
            // An answer takes one fsync on the follower; none within two election timeouts means it is gone (a
            // slower disk than that would lose the follower its place in elections anyway).
            s.setSoTimeout(2 * timeoutMs);
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), BUFFER_BYTES));
            out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), BUFFER_BYTES));
            out.writeInt(ReplicationLink.MAGIC);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        socket = s;
        if (isRunning()) {
            log.debug("{}: replication link to {} connected", this, address);
        } else {
            closeSocket();
        }
    }

    private void linkFailed(IOException e) throws InterruptedException {
        closeSocket();
        if (!isRunning()) {
            return;
        }
        if (!failing) {
            failing = true;
            log.warn("{}: replication link to {} failed ({}); reconnecting", this, address, e.toString());
        } else {
            log.debug("{}: replication link to {} still failing: {}", this, address, e.toString());
        }
        // A member that is down refuses at once: retry soon, then less often, but at least every quarter of the
        // shortest election timeout, so that a member coming back hears from the leader well before it would
        // start an election.
        long first = Math.max(1, getServer().properties().rpcSleepTime().toLong(TimeUnit.MILLISECONDS));
        long cap = Math.max(first, getServer().properties().minRpcTimeoutMs() / 4);
        retryDelayMs = retryDelayMs == 0 ? first : Math.min(cap, retryDelayMs * 2);
        TimeUnit.MILLISECONDS.sleep(retryDelayMs);
    }

    /** Also closes the link, which ends a wait for a reply at once. */
    @Override
    public CompletableFuture<LifeCycle.State> stopAsync() {
        CompletableFuture<LifeCycle.State> stopped = super.stopAsync();
        closeSocket();
        return stopped;
    }

    private void closeSocket() {
        Socket s = socket;
        socket = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
