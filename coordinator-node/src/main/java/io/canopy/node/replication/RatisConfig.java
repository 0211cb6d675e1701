package io.canopy.node.replication;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * How Canopy names and configures its Raft group: peer and group ids, members as Ratis peers, and every Ratis
 * setting Canopy relies on, set explicitly (Ratis's documented defaults drift from its code).
 */
final class RatisConfig {
    /**
     * A member whose log is within this many entries of the leader's is caught up: Ratis's staging gap for new
     * members, and what {@code mntr} calls synced.
     */
    static final int CATCH_UP_GAP = 1000;

    /** Ratis's close threshold for JVM pauses: long enough that no pause closes the member. */
    static final TimeDuration PAUSE_NEVER_CLOSES = TimeDuration.valueOf(3650, TimeUnit.DAYS);

    private RatisConfig() {
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("n" + nodeId);
    }

    /** Fixed per cluster name: a random group id would start an empty group on every restart. */
    static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("canopy:" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    /** A member as Ratis knows it: id, peer address and role (voter, or listener for an observer). */
    static RaftPeer peer(Member m) {
        // The replication link's address rides in the peer's data stream address, which Ratis keeps in every
        // configuration entry and otherwise leaves alone (Canopy does not enable Ratis's data streams).
        return RaftPeer.newBuilder().setId(peerId(m.id())).setAddress(m.peerAddress())
                .setDataStreamAddress(m.linkAddress())
                .setStartupRole(m.isVoter() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER).build();
    }

    /** The voters, or the observers, of {@code members} as Ratis peers. */
    static List<RaftPeer> peers(List<Member> members, boolean voters) {
        return members.stream().filter(m -> m.isVoter() == voters).map(RatisConfig::peer).toList();
    }

    /** The node id of a Canopy peer id ({@code n<id>}), or -1. */
    static int nodeIdOf(RaftPeerId id) {
        try {
            return id == null ? -1 : Integer.parseInt(id.toString().substring(1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Every Ratis setting Canopy relies on, set explicitly. */
    static RaftProperties properties(ReplicationSettings s) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, new CommitNotifyingGrpc());
        GrpcConfigKeys.Server.setHost(p, s.peerBindAddress());
        GrpcConfigKeys.Server.setPort(p, s.self().peerPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(s.raftDir().toFile()));

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(s.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(s.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(s.requestTimeout()));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(s.requestTimeout()));

        // A long pause of the JVM (a suspended VM, SIGSTOP, a long stop-the-world collection) must not end the
        // member. Ratis 3.3.0 closes its server after a pause over 60 s, and the node then served no one until it
        // was restarted (seen: a cluster whose three processes were stopped for 150 s came back with none serving).
        // Raft already copes with a member that was away, as ZooKeeper does with a server that was: it rejoins as
        // a follower and catches up. A leader paused longer than the step-down wait still steps down at once.
        RaftServerConfigKeys.setCloseThreshold(p, PAUSE_NEVER_CLOSES);

        // Membership changes: a new member is staged until its log is within the gap of the leader's; one that
        // stops answering for the staging timeout fails the change (NEWCONFIGNOQUORUM). Adding as many voters as
        // are kept is refused (RATIS-1912); MembershipChange refuses it first with a clearer message.
        RaftServerConfigKeys.setStagingCatchupGap(p, CATCH_UP_GAP);
        RaftServerConfigKeys.setStagingTimeout(p, millis(s.electionTimeoutMax().multipliedBy(3)));
        RaftServerConfigKeys.LeaderElection.setMemberMajorityAdd(p, false);

        // Reads are served from local state; sync is a barrier entry (Ratis's ReadIndex is not used, see
        // RatisTxnLog.sync()).
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(p, millis(s.requestTimeout()));

        // Durability: an entry counts only once fsynced (never the unsafe flush).
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
        // No commit-index records: in 3.3.0 each commit would append one more entry, replicated and fsynced on
        // every member, only so that followers hear of the new commit index at once (GrpcLogAppender sends no
        // append without entries until a heartbeat is due: a write answered by a follower then took 500 ms).
        // CommitNotifyingGrpc's appender sends that append instead (lone write through a follower 4.6 -> 3.8 ms,
        // watch fan-out +20%, measured), so the records only cost.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("4MB"));
        // No pause between two appends to a follower. Ratis's default makes an append wait until 1 ms after the
        // previous one, and on JDK 17 any sub-millisecond sleep lasts a whole millisecond more (Thread.sleep rounds
        // nanoseconds up before JDK 21): the commit notice of one write delayed the next write's append by about
        // 1 ms. Lone writes on a 3-node cluster, p50 after warm-up, measured in both orders: through the leader
        // 3.45 -> 2.40 ms, through a follower 3.36 -> 2.74 ms; sustained load moved no more than run-to-run noise.
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.logSegmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(4L << 20, s.logSegmentBytes())));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, s.logRetention());

        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        // From half the threshold on, Ratis asks after every apply; the state machine captures at a count drawn
        // between that and the threshold (SnapshotSchedule), so that the members do not all snapshot at once.
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, SnapshotSchedule.floor(s.snapshotThreshold()));
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, true);
        // Ratis keeps no snapshots of its own accord: SnapshotWriter deletes old ones once its new snapshot is
        // complete (canopy.snapshot.retention). Ratis's clean-up runs as soon as takeSnapshot returns, while the
        // background write is still going, and found it half done ("missing MD5 file", failed deletes).
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, -1);
        // Must outlive a client's whole retry horizon for exactly-once retries.
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(
                Math.max(60_000, 3 * s.requestTimeout().toMillis()), TimeUnit.MILLISECONDS));
        return p;
    }

    static TimeDuration millis(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
