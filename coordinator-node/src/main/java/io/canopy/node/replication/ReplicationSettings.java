package io.canopy.node.replication;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How this node takes part in the Raft group. Every Ratis setting Canopy depends on is derived from here and
 * set explicitly (Ratis's documentation and code disagree on some defaults).
 *
 * @param nodeId             this node's id in {@code members}
 * @param members            the voting members, this node included
 * @param peerBindAddress    the local address the Raft peer listener binds to (0.0.0.0: every interface)
 * @param clusterName        names the Raft group: a fixed group id derived from it (a random one would start empty)
 * @param raftDir            where the log and snapshots live
 * @param electionTimeoutMin lower bound of the randomized election timeout (Ratis rpc.timeout.min)
 * @param electionTimeoutMax upper bound (rpc.timeout.max)
 * @param requestTimeout     how long one batch may take to commit before its requests fail as connection loss
 * @param batchMaxOps        the most transactions in one log entry
 * @param batchMaxBytes      the most bytes of transactions in one log entry (kept below Ratis's 4 MB appender limit)
 * @param maxInFlightBatches how many entries may be in flight at once; the next batch fills meanwhile
 * @param snapshotThreshold  take a snapshot every this many log entries
 * @param snapshotRetention  how many snapshot files to keep
 * @param logRetention       how many log entries to keep behind the newest snapshot (for slow followers)
 * @param logSegmentBytes    size of one log segment file; whole closed segments are what gets purged
 */
public record ReplicationSettings(int nodeId, List<Member> members, String peerBindAddress, String clusterName,
                                  Path raftDir,
                                  Duration electionTimeoutMin, Duration electionTimeoutMax,
                                  Duration requestTimeout, int batchMaxOps, int batchMaxBytes,
                                  int maxInFlightBatches, long snapshotThreshold, int snapshotRetention,
                                  int logRetention, long logSegmentBytes) {

    public ReplicationSettings {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.id() == nodeId)) {
            throw new IllegalArgumentException("node id " + nodeId + " is not among the members " + members);
        }
        if (batchMaxBytes > 3 * 1024 * 1024) {
            throw new IllegalArgumentException("batchMaxBytes must stay below Ratis's 4 MB entry limit");
        }
    }

    /** A voting member: where clients and peers reach it. */
    public record Member(int id, String host, int clientPort, int peerPort) {
        public String peerAddress() {
            return host + ":" + peerPort;
        }
    }

    public Member self() {
        return members.stream().filter(m -> m.id() == nodeId).findFirst().orElseThrow();
    }
}
