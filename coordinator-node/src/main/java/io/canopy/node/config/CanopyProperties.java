package io.canopy.node.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of a Canopy node ({@code canopy.*}), with its default. The configuration processor turns the
 * javadoc of each field into IDE metadata; README.md's configuration reference lists the same keys.
 */
@ConfigurationProperties(prefix = "canopy")
public class CanopyProperties {

    /** Where the Raft log and snapshots live. Relative paths resolve against the working directory. */
    private Path dataDir = Path.of("data");

    /** This node's id in {@code canopy.cluster.members}. A standalone node is member 1. */
    private int nodeId = 1;

    /**
     * Port of the ZooKeeper-protocol client listener of a standalone node (ZooKeeper's clientPort). In a cluster
     * the node's client port is the one in its own {@code canopy.cluster.members} entry.
     */
    private int clientPort = 2181;

    /** Address the client listener binds to (ZooKeeper's clientPortAddress). */
    private String clientAddress = "0.0.0.0";

    /**
     * Port of the Raft peer listener of a standalone node; defaults to client port + 7000 (2181 gives 9181). In a
     * cluster the node's peer port is the one in its own {@code canopy.cluster.members} entry.
     */
    private Integer peerPort;

    /**
     * Address the Raft peer listener binds to. Peers reach the node at the host of its members entry; bind to
     * that host to run several nodes on one machine with the same ports on different addresses.
     */
    private String peerAddress = "0.0.0.0";

    private final Cluster cluster = new Cluster();
    private final Session session = new Session();
    private final Limits limits = new Limits();
    private final Security security = new Security();
    private final Raft raft = new Raft();
    private final Snapshot snapshot = new Snapshot();
    private final Quota quota = new Quota();
    private final ReadOnlyMode readOnlyMode = new ReadOnlyMode();

    /**
     * Four-letter words answered on the client port. ZooKeeper 3.9 allows only srvr by default; Canopy allows
     * the read-only ones operators' scripts use.
     */
    private Set<String> fourLetterWords = Set.of("ruok", "srvr", "stat", "conf", "cons", "mntr", "wchs", "wchc",
            "wchp", "envi", "isro", "dirs", "dump");

    /** How often the leader deletes empty container nodes and expired TTL nodes (znode.container.checkIntervalMs). */
    private Duration containerCheckInterval = Duration.ofSeconds(60);

    public static class Cluster {
        /** Name of the Raft group; nodes of one cluster must agree on it. */
        private String name = "canopy";

        /**
         * The members, {@code id=host:clientPort:peerPort[:linkPort][:participant|:observer]} separated by commas,
         * e.g. {@code 1=127.0.0.1:2181:9181:9191,2=127.0.0.1:2182:9182:9192,3=127.0.0.1:2183:9183:9193}; observers do
         * not vote (Ratis listeners). With a link port the leader replicates to the member over the replication
         * link on that port, else over gRPC on the peer port. Empty: a standalone node. They seed a new Raft group; once a node has a stored configuration,
         * that one rules (membership changes at run time with reconfig).
         */
        private List<String> members = new ArrayList<>();

        /**
         * Start as a node joining a running cluster: with a new Raft storage, the node starts with no peers and
         * waits until a member adds it with reconfig. Its own ports come from its own members entry.
         */
        private boolean join;

        /**
         * Whether reconfig is served (ZooKeeper's reconfigEnabled, false by default there). Canopy enables it by
         * default because reconfig also needs WRITE on /zookeeper/config, whose ACL is world:anyone:r: by default
         * only the super user ({@code canopy.security.super-digest}) may change the membership.
         */
        private boolean reconfigEnabled = true;

        public boolean isJoin() {
            return join;
        }

        public void setJoin(boolean join) {
            this.join = join;
        }

        public boolean isReconfigEnabled() {
            return reconfigEnabled;
        }

        public void setReconfigEnabled(boolean reconfigEnabled) {
            this.reconfigEnabled = reconfigEnabled;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public List<String> getMembers() {
            return members;
        }

        public void setMembers(List<String> members) {
            this.members = members;
        }
    }

    public static class ReadOnlyMode {
        /**
         * Whether a member that cannot serve (no contact with a leader: a minority partition, or no leader) serves
         * read-only sessions to clients that ask for them (the official client's canBeReadOnly), as ZooKeeper's
         * readonlymode.enabled (false by default there too). Reads answer from the node's own, possibly stale,
         * state; writes and sync answer NOTREADONLY; nothing is replicated. Read-only connections are closed once
         * the node serves again, so that their clients move to a read-write session.
         */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public static class Session {
        /** ZooKeeper's tickTime: the unit of session timeouts. */
        private Duration tickTime = Duration.ofSeconds(2);
        /** Smallest session timeout granted (default 2 × tick time). */
        private Duration minTimeout;
        /** Largest session timeout granted (default 20 × tick time). */
        private Duration maxTimeout;

        public Duration getTickTime() {
            return tickTime;
        }

        public void setTickTime(Duration tickTime) {
            this.tickTime = tickTime;
        }

        public Duration getMinTimeout() {
            return minTimeout != null ? minTimeout : tickTime.multipliedBy(2);
        }

        public void setMinTimeout(Duration minTimeout) {
            this.minTimeout = minTimeout;
        }

        public Duration getMaxTimeout() {
            return maxTimeout != null ? maxTimeout : tickTime.multipliedBy(20);
        }

        public void setMaxTimeout(Duration maxTimeout) {
            this.maxTimeout = maxTimeout;
        }
    }

    public static class Limits {
        /** Largest frame a client may send, ZooKeeper's jute.maxbuffer (default 1 MiB). */
        private DataSize maxPacketSize = DataSize.ofMegabytes(1);
        /** Concurrent connections allowed from one client address, ZooKeeper's maxClientCnxns (0: no limit). */
        private int maxClientConnections = 60;

        public DataSize getMaxPacketSize() {
            return maxPacketSize;
        }

        public void setMaxPacketSize(DataSize maxPacketSize) {
            this.maxPacketSize = maxPacketSize;
        }

        public int getMaxClientConnections() {
            return maxClientConnections;
        }

        public void setMaxClientConnections(int maxClientConnections) {
            this.maxClientConnections = maxClientConnections;
        }
    }

    public static class Security {
        /**
         * The operator's super-user digest, {@code super:<base64(sha1("super:password"))>}, as ZooKeeper's
         * zookeeper.DigestAuthenticationProvider.superDigest. A client that authenticates as that user passes
         * every ACL.
         */
        private String superDigest;

        public String getSuperDigest() {
            return superDigest;
        }

        public void setSuperDigest(String superDigest) {
            this.superDigest = superDigest;
        }
    }

    public static class Quota {
        /**
         * Enforce quota hard limits (ZooKeeper's zookeeper.enforceQuota): a create or setData that would take a
         * subtree past the countHardLimit or byteHardLimit of its quota (zkCli setquota -N / -B) fails with
         * QUOTAEXCEEDED, and passing a soft limit (-n / -b) is logged. Off, as in ZooKeeper: the statistics are
         * kept either way. The leader's setting applies, stamped into each log entry; set it alike on every node.
         */
        private boolean enforce;

        public boolean isEnforce() {
            return enforce;
        }

        public void setEnforce(boolean enforce) {
            this.enforce = enforce;
        }
    }

    public static class Raft {
        /** Lower bound of the randomized election timeout. */
        private Duration electionTimeoutMin = Duration.ofSeconds(1);
        /** Upper bound of the randomized election timeout. */
        private Duration electionTimeoutMax = Duration.ofSeconds(2);
        /** How long a write may wait to commit before its client's connection is dropped. */
        private Duration requestTimeout = Duration.ofSeconds(10);
        /** Most ZooKeeper transactions in one log entry. */
        private int batchMaxOps = 1000;
        /** Most bytes of transactions in one log entry (below Ratis's 4 MB entry limit). */
        private DataSize batchMaxBytes = DataSize.ofMegabytes(2);
        /**
         * Log entries in flight at once; while they replicate, the next batch fills. Unset: 4 on a standalone node,
         * 1 on a member of a cluster (measured: standalone create +25 % and session churn +2 % with 4 than with 2;
         * on 3 nodes, 1 makes fuller entries: warm session churn 427-499 sessions/s at 2.0-2.5 ms of cluster CPU per
         * session, against 351-418 at 2.8-3.6 ms with 2, alternated runs; see the README's benchmark notes).
         */
        private Integer maxInFlightBatches;
        /**
         * Size of one Raft log segment file. Only whole closed segments behind a snapshot are deleted, so this is
         * also the granularity of log retention.
         */
        private DataSize logSegmentSize = DataSize.ofMegabytes(32);

        public DataSize getLogSegmentSize() {
            return logSegmentSize;
        }

        public void setLogSegmentSize(DataSize logSegmentSize) {
            this.logSegmentSize = logSegmentSize;
        }

        public Duration getElectionTimeoutMin() {
            return electionTimeoutMin;
        }

        public void setElectionTimeoutMin(Duration electionTimeoutMin) {
            this.electionTimeoutMin = electionTimeoutMin;
        }

        public Duration getElectionTimeoutMax() {
            return electionTimeoutMax;
        }

        public void setElectionTimeoutMax(Duration electionTimeoutMax) {
            this.electionTimeoutMax = electionTimeoutMax;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public int getBatchMaxOps() {
            return batchMaxOps;
        }

        public void setBatchMaxOps(int batchMaxOps) {
            this.batchMaxOps = batchMaxOps;
        }

        public DataSize getBatchMaxBytes() {
            return batchMaxBytes;
        }

        public void setBatchMaxBytes(DataSize batchMaxBytes) {
            this.batchMaxBytes = batchMaxBytes;
        }

        public Integer getMaxInFlightBatches() {
            return maxInFlightBatches;
        }

        /** The configured value, or the default for a node alone in its group ({@code standalone}) or not. */
        public int maxInFlightBatches(boolean standalone) {
            return maxInFlightBatches != null ? maxInFlightBatches : standalone ? 4 : 1;
        }

        public void setMaxInFlightBatches(Integer maxInFlightBatches) {
            this.maxInFlightBatches = maxInFlightBatches;
        }
    }

    public static class Snapshot {
        /**
         * Take a snapshot after at most this many log entries (each entry holds a batch of transactions): after a
         * count drawn at random between half of it plus one and all of it, drawn again after every snapshot, as
         * ZooKeeper does with snapCount, so that the members of a cluster do not all write a snapshot at once.
         */
        private long threshold = 10_000;
        /** Snapshot files kept (ZooKeeper's autopurge.snapRetainCount). */
        private int retention = 3;
        /** Log entries kept behind the newest snapshot, so that a lagging follower catches up without one. */
        private int logRetention = 5_000;
        /**
         * Also take a snapshot once the log entries applied since the last one add up to this size, whichever of
         * this and {@code threshold} comes first (ZooKeeper's snapSizeLimitInKb, 4 GB by default there too);
         * 0 turns it off.
         */
        private DataSize logBytesThreshold = DataSize.ofGigabytes(4);

        public DataSize getLogBytesThreshold() {
            return logBytesThreshold;
        }

        public void setLogBytesThreshold(DataSize logBytesThreshold) {
            this.logBytesThreshold = logBytesThreshold;
        }

        public long getThreshold() {
            return threshold;
        }

        public void setThreshold(long threshold) {
            this.threshold = threshold;
        }

        public int getRetention() {
            return retention;
        }

        public void setRetention(int retention) {
            this.retention = retention;
        }

        public int getLogRetention() {
            return logRetention;
        }

        public void setLogRetention(int logRetention) {
            this.logRetention = logRetention;
        }
    }

    public Path getDataDir() {
        return dataDir;
    }

    public void setDataDir(Path dataDir) {
        this.dataDir = dataDir;
    }

    public int getNodeId() {
        return nodeId;
    }

    public void setNodeId(int nodeId) {
        this.nodeId = nodeId;
    }

    public int getClientPort() {
        return clientPort;
    }

    public void setClientPort(int clientPort) {
        this.clientPort = clientPort;
    }

    public String getClientAddress() {
        return clientAddress;
    }

    public void setClientAddress(String clientAddress) {
        this.clientAddress = clientAddress;
    }

    public Integer getPeerPort() {
        return peerPort;
    }

    public void setPeerPort(Integer peerPort) {
        this.peerPort = peerPort;
    }

    public String getPeerAddress() {
        return peerAddress;
    }

    public void setPeerAddress(String peerAddress) {
        this.peerAddress = peerAddress;
    }

    public Set<String> getFourLetterWords() {
        return fourLetterWords;
    }

    public void setFourLetterWords(Set<String> fourLetterWords) {
        this.fourLetterWords = fourLetterWords;
    }

    public Duration getContainerCheckInterval() {
        return containerCheckInterval;
    }

    public void setContainerCheckInterval(Duration containerCheckInterval) {
        this.containerCheckInterval = containerCheckInterval;
    }

    public Cluster getCluster() {
        return cluster;
    }

    public Session getSession() {
        return session;
    }

    public Limits getLimits() {
        return limits;
    }

    public Security getSecurity() {
        return security;
    }

    public Raft getRaft() {
        return raft;
    }

    public Snapshot getSnapshot() {
        return snapshot;
    }

    public Quota getQuota() {
        return quota;
    }

    public ReadOnlyMode getReadOnlyMode() {
        return readOnlyMode;
    }
}
