package io.canopy.node.replication;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How this node takes part in the Raft group. Every Ratis setting Canopy depends on is derived from here and
 * set explicitly (Ratis's documentation and code disagree on some defaults).
 *
 * @param nodeId             this node's id in {@code members}
 * @param members            the members of the static configuration ({@code canopy.cluster.members}), this node
 *                           included: voters and observers, with their client addresses
 * @param join               whether this node joins a running cluster: while its Raft storage is new it starts
 *                           with no peers and waits to be added by a reconfig (a stored configuration, once it has
 *                           one, rules on every restart, as for every node)
 * @param peerBindAddress    the local address the Raft peer listener binds to (0.0.0.0: every interface)
 * @param clusterName        names the Raft group: a fixed group id derived from it (a random one would start empty)
 * @param raftDir            where the log and snapshots live
 * @param electionTimeoutMin lower bound of the randomized election timeout (Ratis rpc.timeout.min)
 * @param electionTimeoutMax upper bound (rpc.timeout.max)
 * @param requestTimeout     how long one batch may take to commit before its requests fail as connection loss
 * @param batchMaxOps        the most transactions in one log entry
 * @param batchMaxBytes      the most bytes of transactions in one log entry (kept below Ratis's 4 MB appender limit)
 * @param maxInFlightBatches how many entries may be in flight at once; the next batch fills meanwhile
 * @param snapshotThreshold  take a snapshot after at most this many log entries (a random count from half of it
 *                           on, drawn again after each snapshot: {@link SnapshotSchedule})
 * @param snapshotRetention  how many snapshot files to keep
 * @param logRetention       how many log entries to keep behind the newest snapshot (for slow followers)
 * @param logSegmentBytes    size of one log segment file; whole closed segments are what gets purged
 * @param enforceQuota       stamped into every entry this node appends while it leads: whether apply enforces quota
 *                           hard limits for that entry's transactions (ZooKeeper's zookeeper.enforceQuota, which
 *                           only ZooKeeper's leader consults, when it prepares a request)
 * @param snapshotLogBytes   also take a snapshot once the log entries applied since the last one add up to this
 *                           many bytes (ZooKeeper's snapSizeLimitInKb), whichever of the two thresholds comes
 *                           first; 0 or less: by entry count only
 */
public record ReplicationSettings(int nodeId, List<Member> members, boolean join, String peerBindAddress,
                                  String clusterName,
                                  Path raftDir,
                                  Duration electionTimeoutMin, Duration electionTimeoutMax,
                                  Duration requestTimeout, int batchMaxOps, int batchMaxBytes,
                                  int maxInFlightBatches, long snapshotThreshold, int snapshotRetention,
                                  int logRetention, long logSegmentBytes, boolean enforceQuota,
                                  long snapshotLogBytes) {

    /** Settings of a node that does not enforce quotas (ZooKeeper's default) and snapshots by entry count only. */
    public ReplicationSettings(int nodeId, List<Member> members, boolean join, String peerBindAddress,
                               String clusterName, Path raftDir, Duration electionTimeoutMin,
                               Duration electionTimeoutMax, Duration requestTimeout, int batchMaxOps,
                               int batchMaxBytes, int maxInFlightBatches, long snapshotThreshold,
                               int snapshotRetention, int logRetention, long logSegmentBytes) {
        this(nodeId, members, join, peerBindAddress, clusterName, raftDir, electionTimeoutMin, electionTimeoutMax,
                requestTimeout, batchMaxOps, batchMaxBytes, maxInFlightBatches, snapshotThreshold,
                snapshotRetention, logRetention, logSegmentBytes, false, 0);
    }

    public ReplicationSettings {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.id() == nodeId)) {
            throw new IllegalArgumentException("node id " + nodeId + " is not among the members " + members);
        }
        if (maxInFlightBatches < 1 || batchMaxOps < 1) {
            throw new IllegalArgumentException("canopy.raft.max-in-flight-batches and canopy.raft.batch-max-ops must"
                    + " be at least 1 (were " + maxInFlightBatches + " and " + batchMaxOps + ")");
        }
        if (batchMaxBytes > 3 * 1024 * 1024) {
            throw new IllegalArgumentException("batchMaxBytes must stay below Ratis's 4 MB entry limit");
        }
    }

    /** A member's role: a voter (ZooKeeper's participant) or a non-voting Ratis listener (ZooKeeper's observer). */
    public enum Role {
        PARTICIPANT, OBSERVER;

        /** The word ZooKeeper's dynamic configuration uses. */
        public String zkName() {
            return this == PARTICIPANT ? "participant" : "observer";
        }
    }

    /**
     * A member: where peers reach it ({@code host:peerPort}, its Raft identity besides the id), its role, where
     * its ZooKeeper clients connect ({@code clientHost:clientPort}; a client port of 0 means unknown: Ratis's
     * configuration does not carry it, see {@link MembershipConfig}), and the port of its replication link
     * ({@link ReplicationLink}; 0 if it has none: the leader then sends it entries through Ratis's gRPC).
     */
    public record Member(int id, String host, int clientPort, int peerPort, Role role, String clientHost,
            int linkPort) {
        public Member {
            role = role == null ? Role.PARTICIPANT : role;
            clientHost = clientHost == null || clientHost.isEmpty() ? host : clientHost;
        }

        public Member(int id, String host, int clientPort, int peerPort, Role role, String clientHost) {
            this(id, host, clientPort, peerPort, role, clientHost, 0);
        }

        /** A participant whose clients connect to its own host. */
        public Member(int id, String host, int clientPort, int peerPort) {
            this(id, host, clientPort, peerPort, Role.PARTICIPANT, host);
        }

        public Member(int id, String host, int clientPort, int peerPort, Role role) {
            this(id, host, clientPort, peerPort, role, host);
        }

        public String peerAddress() {
            return host + ":" + peerPort;
        }

        /** Where the leader's replication link reaches this member ({@code host:linkPort}); null if it has none. */
        public String linkAddress() {
            return linkPort > 0 ? host + ":" + linkPort : null;
        }

        public boolean isVoter() {
            return role == Role.PARTICIPANT;
        }

        public boolean hasClientAddress() {
            return clientPort > 0;
        }

        /** The same member with another client address. */
        public Member withClient(String newClientHost, int newClientPort) {
            return new Member(id, host, newClientPort, peerPort, role, newClientHost, linkPort);
        }

        /** The same member with another replication link port (0: none). */
        public Member withLink(int newLinkPort) {
            return new Member(id, host, clientPort, peerPort, role, clientHost, newLinkPort);
        }

        /** Same id, peer address and role (the Raft identity); client addresses may differ. */
        public boolean samePeer(Member other) {
            return id == other.id && host.equals(other.host) && peerPort == other.peerPort && role == other.role;
        }
    }

    public Member self() {
        return members.stream().filter(m -> m.id() == nodeId).findFirst().orElseThrow();
    }
}
