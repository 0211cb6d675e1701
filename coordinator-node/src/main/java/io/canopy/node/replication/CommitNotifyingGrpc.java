package io.canopy.node.replication;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.leader.LogAppenderBase;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.util.AwaitForSignal;

import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * Ratis's gRPC transport with one change on the leader: a follower hears of a new commit index at once, in an
 * append without entries, instead of from the next heartbeat (up to half the shortest election timeout later).
 *
 * <p>Why: a write answered by a follower is answered once that follower has applied it, so it waits for the
 * follower to learn the commit. In Ratis 3.3.0 the leader's appender notices that a follower's commit index is
 * behind, but {@code LogAppenderBase.newAppendEntriesRequest} builds nothing when there are no new entries, so
 * nothing leaves until the heartbeat is due. Ratis's own remedy is the commit-index log record (one more entry
 * per commit, appended, replicated and fsynced on every member), which costs a second replication round per write;
 * this appender sends the heartbeat-shaped append that carries the commit instead, and RatisConfig turns the
 * records off. The follower handles it exactly as a heartbeat (it commits up to what it has flushed and matches).
 * At most one such append leaves per commit index, and none to a follower that has stopped answering. The
 * appender's wake-up is also made to survive arriving while it is busy (see {@link StickySignal}).
 */
public final class CommitNotifyingGrpc implements RpcType {

    @Override
    public String name() {
        return CommitNotifyingGrpc.class.getName(); // Ratis re-creates the type from this name, by reflection
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    /**
     * gRPC, with the leader's appenders replaced: a follower with a replication link gets a {@link LinkAppender},
     * any other this class's {@link Appender}.
     */
    static final class Factory extends GrpcFactory {
        private final List<Member> members;

        Factory(Parameters parameters) {
            super(parameters);
            this.members = ReplicationLink.members(parameters);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            String link = ReplicationLink.addressOf(follower.getPeer(), members);
            return link != null ? new LinkAppender(server, state, follower, link)
                    : new Appender(server, state, follower);
        }
    }

    /** Ratis's gRPC appender that also sends an append without entries when only the commit index moved. */
    static final class Appender extends GrpcLogAppender {
        /** The highest commit index sent in an append without entries (written by the appender's thread only). */
        private volatile long commitSent = -1;
        private final StickySignal wakeUp = new StickySignal(this);

        Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            super(server, state, follower);
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
                throws RaftLogIOException {
            AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
            if (request == null && !heartbeat) {
                long commit = commitToSend();
                if (commit > 0) {
                    request = super.newAppendEntriesRequest(callId, true);
                    commitSent = commit;
                }
            }
            return request;
        }

        /**
         * Ratis's wake-up is lost when it comes while the appender is busy ({@code AwaitForSignal.signal()} only
         * wakes a thread already waiting): a commit that came then waited for the next heartbeat (p99.9 500 ms in
         * watch fan-out, measured). This one is kept until the next wait, which it ends at once.
         */
        @Override
        public AwaitForSignal getEventAwaitForSignal() {
            return wakeUp;
        }

        /**
         * The commit index to tell this follower in an append without entries, or 0 (see {@link #commitNotice});
         * while entries are in flight Ratis's append without entries would carry no commit at all.
         */
        private long commitToSend() {
            return commitNotice(this, commitSent);
        }
    }

    /**
     * The commit index an append without entries would tell the follower of {@code appender}, if it is news to it
     * and above {@code commitSent} (the highest one sent so); else 0. It is the leader's commit capped at what the
     * follower has been sent, as Ratis caps it. None while entries are in flight to the follower (their reply wakes
     * the appender again), and none to a follower that has not answered within the shortest election timeout: it
     * gets Ratis's heartbeats only, not one append per commit. Shared by both of Canopy's appenders.
     */
    static long commitNotice(LogAppenderBase appender, long commitSent) {
        FollowerInfo follower = appender.getFollower();
        if (appender.hasPendingDataRequests() || follower.getLastRpcResponseTime().elapsedTimeMs()
                >= appender.getServer().properties().minRpcTimeoutMs()) {
            return 0;
        }
        long commit = Math.min(appender.getRaftLog().getLastCommittedIndex(), follower.getNextIndex() - 1);
        return commit > follower.getCommitIndex() && commit > commitSent ? commit : 0;
    }

    /** A wake-up that is not lost when nobody waits: it ends the next wait at once (one wake-up, however many). */
    static final class StickySignal extends AwaitForSignal {
        private final Object lock = new Object();
        private boolean signaled;

        StickySignal(Object name) {
            super(name);
        }

        @Override
        public void await() throws InterruptedException {
            synchronized (lock) {
                while (!signaled) {
                    lock.wait();
                }
                signaled = false;
            }
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            if (time <= 0) {
                return false;
            }
            long deadline = System.nanoTime() + unit.toNanos(time);
            synchronized (lock) {
                while (!signaled) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                signaled = false;
                return true;
            }
        }

        @Override
        public void signal() {
            synchronized (lock) {
                signaled = true;
                lock.notifyAll();
            }
        }
    }
}
