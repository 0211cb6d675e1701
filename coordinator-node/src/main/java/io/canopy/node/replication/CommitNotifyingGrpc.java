package io.canopy.node.replication;

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
import org.apache.ratis.server.raftlog.RaftLogIOException;

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
 * At most one such append leaves per commit index, and none to a follower that has stopped answering.
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

    /** gRPC, with the leader's appenders replaced. */
    static final class Factory extends GrpcFactory {
        Factory(Parameters parameters) {
            super(parameters);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            return new Appender(server, state, follower);
        }
    }

    /** Ratis's gRPC appender that also sends an append without entries when only the commit index moved. */
    static final class Appender extends GrpcLogAppender {
        /** The highest commit index sent to this follower (written by the appender's thread only). */
        private volatile long commitSent = -1;

        Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            super(server, state, follower);
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
                throws RaftLogIOException {
            AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
            if (request == null && !heartbeat) {
                if (commitToSend()) {
                    request = super.newAppendEntriesRequest(callId, true);
                }
            }
            if (request != null) {
                commitSent = Math.max(commitSent, request.getLeaderCommit());
            }
            return request;
        }

        /**
         * No wait while this follower has a commit index to hear of: Ratis's wake-up on a commit is lost when it
         * arrives while the appender is busy ({@code AwaitForSignal.signal()} only wakes a thread already
         * waiting), and the appender would then sleep until the heartbeat is due (p99.9 500 ms, measured).
         */
        @Override
        public long getWaitTimeMs() {
            return commitToSend() ? 0 : super.getWaitTimeMs();
        }

        /**
         * A commit index this follower has not been sent yet, and the follower answers (one that has not answered
         * within the shortest election timeout gets only Ratis's own heartbeats, not one append per commit).
         */
        private boolean commitToSend() {
            long commit = getRaftLog().getLastCommittedIndex();
            FollowerInfo follower = getFollower();
            return commit > follower.getCommitIndex() && commit > commitSent
                    && follower.getLastRpcResponseTime().elapsedTimeMs() < getServer().properties().minRpcTimeoutMs();
        }
    }
}
