package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.canopy.testcluster.Timing;
import io.canopy.testcluster.network.ClusterNetwork;
import io.canopy.testcluster.network.ClusterNetwork.LinkId;
import io.canopy.testcluster.network.HostsFile;
import io.canopy.testcluster.process.Convergence.Report;

/**
 * A Raft cluster of Canopy nodes, each a {@link NodeProcess} in its own JVM on this machine. Node {@code i} binds
 * every listener to 127.0.0.(10+i), as if on its own machine (or to 127.0.0.1 with ports of its own where such
 * addresses cannot be bound), keeps its data in {@code <dataRoot>/node<i>} and logs to
 * {@code <label>-node<i>.log} (see {@link NodeLog}).
 *
 * <p>What it guarantees:
 * <ul>
 *   <li>{@link #start()} returns only once every node answers {@code ruok} and exactly one reports
 *       {@code Mode: leader}; otherwise it kills every node and throws, naming the log files.</li>
 *   <li>{@link #close()} kills every process the cluster started, paused ones included; a JVM shutdown hook does
 *       the same if the test JVM exits without closing it. No other process is ever signalled.</li>
 *   <li>Every wait ({@link #leader}, {@link #awaitConverged}) is bounded and, when it gives up, says what each
 *       node last reported.</li>
 * </ul>
 * Faults are injected through the nodes themselves: {@code node(2).kill9()}, {@code pause()}, {@code restart()},
 * {@code wipeData()}.
 *
 * <p>A cluster built {@link Builder#partitionable() partitionable} can also lose its network while every process
 * keeps running: {@link #isolate}, {@link #partition}, {@link #cutLink} and {@link #heal}. Its nodes then reach
 * each other by name ({@code canopy-node-<i>}) through one relay per directed pair of nodes (see
 * {@link ClusterNetwork}); clients still reach every node at its own address. Every change of the network is
 * logged and marked in every node's log file, so a node's log shows what it could reach when.
 */
public final class CanopyCluster implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CanopyCluster.class.getName());
    /** How long {@link #leader()} waits: an election takes one to two 1-2 s election timeouts. */
    static final Duration LEADER_TIMEOUT = Timing.seconds(30);

    private final String label;
    private final Path dataRoot;
    private final List<NodeProcess> nodes;
    /** The relays between the nodes of a partitionable cluster; null otherwise. */
    private final ClusterNetwork network;

    private CanopyCluster(String label, Path dataRoot, List<NodeProcess> nodes, ClusterNetwork network) {
        this.label = label;
        this.dataRoot = dataRoot;
        this.nodes = new CopyOnWriteArrayList<>(nodes);   // grows with addNode
        this.network = network;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every node at once and waits until all serve and one leads.
     *
     * @return this cluster
     * @throws IllegalStateException if that does not happen in time (every node is killed first), or if a node
     *                               runs already
     */
    public CanopyCluster start() {
        if (nodes.stream().anyMatch(NodeProcess::isAlive)) {
            throw new IllegalStateException("cluster " + label + " runs already: " + nodes);
        }
        try {
            if (network != null) {
                network.start();   // before the nodes: a peer's first connection must find its relay
            }
            nodes.forEach(NodeProcess::launch);
            long deadline = System.nanoTime() + NodeProcess.START_TIMEOUT.toNanos();
            for (NodeProcess node : nodes) {
                node.awaitServing(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            leader(LEADER_TIMEOUT);
            return this;
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("cluster " + label + " did not start; logs: " + logFiles(), e);
        }
    }

    /**
     * Launches one more node, joining the running cluster ({@code --canopy.cluster.join=true}): id
     * {@code nodes().size() + 1}, its own address and fresh ports, the same node and JVM arguments as the others
     * plus {@code extraArgs}, and as members the cluster's list plus its own entry. It is not a member of the Raft
     * configuration until a reconfig adds it; this method does not wait for it ({@link NodeProcess#awaitServing}).
     *
     * @return the new node, launched
     * @throws IllegalStateException if the cluster is {@link Builder#partitionable() partitionable}
     */
    public synchronized NodeProcess addNode(String... extraArgs) {
        return join("participant", extraArgs);
    }

    /**
     * {@link #addNode(String...)} for an observer: its own members entry carries {@code :observer}, so that it
     * starts as a Raft listener; a reconfig adds it as {@code server.N=...:observer}.
     */
    public synchronized NodeProcess addObserver(String... extraArgs) {
        return join("observer", extraArgs);
    }

    private NodeProcess join(String role, String... extraArgs) {
        if (network != null) {
            // The running nodes' hosts files do not name a new node and no relay leads to it: it would be reached
            // around the relays, and a partition would not cut it off.
            throw new IllegalStateException("cluster " + label + " is partitionable: adding nodes to it is not"
                    + " supported");
        }
        int id = nodes.size() + 1;
        NodeConfig first = nodes.get(0).config();
        String host = LoopbackPorts.hostForNode(id);
        LoopbackPorts ports = new LoopbackPorts();
        List<String> args = new ArrayList<>(first.extraArgs());
        args.add("--canopy.cluster.join=true");
        args.addAll(List.of(extraArgs));
        NodeConfig config = new NodeConfig(id, host, ports.next(host), ports.next(host), ports.next(host),
                ports.next(host), dataRoot.resolve("node" + id), "", args, first.jvmArgs(), NodeLog.pathFor(label, id));
        NodeProcess node = new NodeProcess(config.withMembers(membersSpec() + "," + config.memberEntry()
                + ("participant".equals(role) ? "" : ":" + role)));
        nodes.add(node);
        node.launch();
        return node;
    }

    /** Node {@code id} (1-based, as in {@code canopy.cluster.members}). */
    public NodeProcess node(int id) {
        if (id < 1 || id > nodes.size()) {
            throw new IllegalArgumentException("no node " + id + " in cluster " + label + " of " + nodes.size());
        }
        return nodes.get(id - 1);
    }

    /** Every node, running or not, in id order. */
    public List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The nodes whose process runs and is not paused, in id order. */
    public List<NodeProcess> liveNodes() {
        return nodes.stream().filter(n -> n.isAlive() && !n.isPaused()).toList();
    }

    /** {@link #leader(Duration)} with a timeout of 30 s (scaled by {@link Timing}). */
    public NodeProcess leader() {
        return leader(LEADER_TIMEOUT);
    }

    /**
     * The live node that leads, once exactly one live node reports {@code Mode: leader} in {@code srvr} (or
     * {@code standalone}, in a cluster of one).
     *
     * @throws IllegalStateException after {@code timeout}, with every live node's mode
     */
    public NodeProcess leader(Duration timeout) {
        AtomicReference<List<ModeReport>> seen = new AtomicReference<>(List.of());
        return Polling.until(timeout, () -> {
            List<ModeReport> reports = liveNodes().stream().map(n -> new ModeReport(n, n.mode())).toList();
            seen.set(reports);
            List<NodeProcess> leaders = reports.stream().filter(ModeReport::leads).map(ModeReport::node).toList();
            return leaders.size() == 1 ? leaders.get(0) : null;
        }, () -> "cluster " + label + ": no single leader among the live nodes within " + timeout + " ("
                + ModeReport.describe(seen.get()) + ")");
    }

    /** The live nodes other than the {@link #leader()}. */
    public List<NodeProcess> followers() {
        NodeProcess leader = leader();
        return liveNodes().stream().filter(n -> n != leader).toList();
    }

    /** Every node's {@code host:clientPort}, comma-separated: a ZooKeeper connect string for the whole cluster. */
    public String connectString() {
        return nodes.stream().map(NodeProcess::connectString).collect(Collectors.joining(","));
    }

    /** The connect string of the nodes {@code ids}, in that order. */
    public String connectString(int... ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("name at least one node");
        }
        return Arrays.stream(ids).mapToObj(id -> node(id).connectString()).collect(Collectors.joining(","));
    }

    /** The {@code canopy.cluster.members} every node of {@link Builder#build()} was started with. */
    public String membersSpec() {
        return nodes.get(0).config().members();
    }

    /**
     * Waits until every live (running, unpaused) node reports, in one {@code mntr} each, the same
     * {@code zk_last_zxid} and the same {@code canopy_tree_digest}. If some node does not report a digest, only
     * zxids are compared, which the result and a log line say.
     *
     * @throws IllegalStateException after {@code timeout}, with every node's last values
     */
    public Convergence awaitConverged(Duration timeout) {
        AtomicReference<List<Report>> seen = new AtomicReference<>(List.of());
        Convergence converged = Polling.until(timeout, () -> {
            List<Report> reports = liveNodes().stream().map(n -> Report.of(n.nodeId(), n.mntr())).toList();
            seen.set(reports);
            return Convergence.of(reports);
        }, () -> "cluster " + label + ": the live nodes did not converge within " + timeout + " ("
                + Convergence.describe(seen.get()) + ")" + dumpSilentNodes(seen.get()));
        if (!converged.digestCompared()) {
            LOG.log(System.Logger.Level.INFO, "cluster {0}: {1}", label, converged);
        }
        return converged;
    }

    /** Thread dumps of the nodes that did not answer go to their logs: a node that stops answering is a bug. */
    private String dumpSilentNodes(List<Report> reports) {
        StringBuilder sb = new StringBuilder();
        for (Report r : reports) {
            if (!r.answered() && node(r.nodeId()).dumpThreads()) {
                sb.append("; thread dump of node ").append(r.nodeId()).append(" appended to ")
                        .append(node(r.nodeId()).logFile());
            }
        }
        return sb.toString();
    }

    public String label() {
        return label;
    }

    /** The folder holding every node's data folder. */
    public Path dataRoot() {
        return dataRoot;
    }

    /** Every node's log file, in id order. */
    public List<Path> logFiles() {
        return nodes.stream().map(NodeProcess::logFile).toList();
    }

    /** Whether this cluster was built {@link Builder#partitionable() partitionable}. */
    public boolean isPartitionable() {
        return network != null;
    }

    /**
     * Cuts node {@code id} off from every other node, both directions, while every process keeps running: its
     * Raft traffic is blackholed (see {@link ClusterNetwork}), its clients still reach it.
     *
     * @return the links this call cut
     * @throws IllegalStateException if the cluster is not partitionable or not started
     */
    public List<LinkId> isolate(int id) {
        node(id);
        List<LinkId> cut = network().isolate(id);
        logNetworkChange("node " + id + " isolated", "cut", cut);
        return cut;
    }

    /**
     * Cuts every link between a node of {@code a} and a node of {@code b}, both directions; each side keeps its
     * own links, and nodes in neither set keep theirs.
     *
     * @return the links this call cut
     * @throws IllegalArgumentException if a side is empty, the sides overlap or name an unknown node
     * @throws IllegalStateException    if the cluster is not partitionable or not started
     */
    public List<LinkId> partition(Set<Integer> a, Set<Integer> b) {
        List<LinkId> cut = network().partition(a, b);
        logNetworkChange("partition " + new TreeSet<>(a) + " | " + new TreeSet<>(b), "cut", cut);
        return cut;
    }

    /**
     * Cuts one direction: the connections node {@code from} opens to node {@code to} stop carrying bytes (both
     * ways on those connections: a request and its reply share one), while node {@code to}'s connections to
     * {@code from} keep working. With Raft this means, e.g., that {@code from} cannot send its appends or vote
     * requests to {@code to}, and {@code to} can still send its own.
     *
     * @return the link, if this call cut it
     * @throws IllegalStateException if the cluster is not partitionable or not started
     */
    public List<LinkId> cutLink(int from, int to) {
        List<LinkId> cut = network().cutLink(from, to);
        logNetworkChange("link " + from + "->" + to + " cut", "cut", cut);
        return cut;
    }

    /**
     * Opens every cut link. Connections that were blackholed are reset, so the nodes reconnect at once (see
     * {@link io.canopy.testcluster.network.TcpRelay}).
     *
     * @return the links this call healed
     * @throws IllegalStateException if the cluster is not partitionable or not started
     */
    public List<LinkId> heal() {
        List<LinkId> healed = network().heal();
        logNetworkChange("network healed", "healed", healed);
        return healed;
    }

    /**
     * The relays of a partitionable cluster, for their counters ({@code network().link(1, 2).bytesForwarded()}).
     *
     * @throws IllegalStateException if the cluster is not partitionable
     */
    public ClusterNetwork network() {
        if (network == null) {
            throw new IllegalStateException("cluster " + label + " has no relays between its nodes: build it with"
                    + " CanopyCluster.builder().partitionable() (or CanopyClusterExtension...partitionable())");
        }
        return network;
    }

    /**
     * A marker line in every node's log ({@link NodeLog#MARKER}, the time, {@code text}), e.g. where each test of a
     * class that shares the cluster starts and how it ended, so that one test's part of the logs can be found.
     */
    public void mark(String text) {
        for (NodeProcess node : nodes) {
            NodeLog.appendMarker(node.logFile(), text);
        }
    }

    /** One log line for the test's output, and a marker line in every node's log, which tells what it could reach. */
    private void logNetworkChange(String what, String verb, List<LinkId> links) {
        List<LinkId> nowCut = network.cutLinks();
        String line = "network: " + what + " (" + verb + " " + (links.isEmpty() ? "no link" : "links " + links)
                + "; cut now: " + (nowCut.isEmpty() ? "none" : nowCut) + ")";
        LOG.log(System.Logger.Level.INFO, "cluster {0}: {1}", label, line);
        mark(line);
    }

    /**
     * Kills every node process that runs (SIGKILL; paused ones are resumed first), then closes the relays of a
     * partitionable cluster. The data stays.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (NodeProcess node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (network != null) {
            network.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "cluster " + label + " " + nodes;
    }

    /** A node's {@code srvr} mode (null: no answer). */
    private record ModeReport(NodeProcess node, String mode) {
        /** A leader, or the single member of a one-node cluster, which reports {@code standalone}. */
        boolean leads() {
            return "leader".equals(mode) || "standalone".equals(mode);
        }

        static String describe(List<ModeReport> reports) {
            return reports.isEmpty() ? "no live node"
                    : reports.stream().map(ModeReport::toString).collect(Collectors.joining(", "));
        }

        @Override
        public String toString() {
            return "node " + node.nodeId() + ": " + (mode == null ? "no answer" : mode);
        }
    }

    /** Configures a cluster; {@link #build()} picks addresses and ports but starts nothing. */
    public static final class Builder {
        private int nodes = 3;
        private Path dataRoot;
        private String label = "cluster";
        private List<String> nodeArgs = List.of();
        private List<String> jvmArgs = NodeConfig.DEFAULT_JVM_ARGS;
        private boolean partitionable;

        private Builder() {
        }

        /**
         * Puts a relay between every two nodes, so that {@link #isolate}, {@link #partition}, {@link #cutLink} and
         * {@link #heal} work (see {@link ClusterNetwork}). Off by default: the relays cost a thread and a hop.
         * The members list then names the nodes {@code canopy-node-<i>}, and every node's JVM resolves names
         * from a hosts file of its own ({@code -Djdk.net.hosts.file}); clients still use addresses. Needs
         * 127.0.0.0/8 aliases (Linux has them), at least two nodes, and clients that do not follow
         * {@code /zookeeper/config}, which names the nodes by those host names (Curator: no ensemble tracker).
         */
        public Builder partitionable() {
            this.partitionable = true;
            return this;
        }

        /** How many voting members (default 3). */
        public Builder nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, not " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Where the nodes' data folders go (default: a new temporary folder). */
        public Builder dataRoot(Path dataRoot) {
            this.dataRoot = dataRoot;
            return this;
        }

        /** Names the log files {@code <label>-node<i>.log}: one label per test class (default "cluster"). */
        public Builder label(String label) {
            NodeLog.fileSafe(label);   // rejects a blank label now rather than at build()
            this.label = label;
            return this;
        }

        /** Arguments every node gets, e.g. {@code --canopy.snapshot.threshold=500}. */
        public Builder nodeArgs(String... args) {
            return nodeArgs(List.of(args));
        }

        public Builder nodeArgs(List<String> args) {
            this.nodeArgs = List.copyOf(args);
            return this;
        }

        /** The nodes' JVM options instead of {@link NodeConfig#DEFAULT_JVM_ARGS}. */
        public Builder jvmArgs(String... args) {
            return jvmArgs(List.of(args));
        }

        public Builder jvmArgs(List<String> args) {
            this.jvmArgs = List.copyOf(args);
            return this;
        }

        /**
         * Picks each node's address and free ports and creates the data root (and, if partitionable, writes the
         * nodes' hosts files); starts nothing.
         *
         * @throws IllegalStateException if partitionable but this machine cannot bind 127.0.0.x aliases
         */
        public CanopyCluster build() {
            if (partitionable) {
                requireLoopbackAliases();
            }
            Path root = dataRoot != null ? dataRoot : temporaryRoot();
            LoopbackPorts ports = new LoopbackPorts();
            List<NodeConfig> standalone = new ArrayList<>();
            for (int id = 1; id <= nodes; id++) {
                String host = LoopbackPorts.hostForNode(id);
                int nodeId = id;
                // A partitionable cluster's relays towards this node listen on its peer port too.
                int peerPort = ports.next(host, port -> !partitionable || relaysToNode(nodeId).stream()
                        .allMatch(relay -> LoopbackPorts.isFree(relay, port)));
                int linkPort = ports.next(host, port -> !partitionable || relaysToNode(nodeId).stream()
                        .allMatch(relay -> LoopbackPorts.isFree(relay, port)));
                standalone.add(new NodeConfig(id, host, ports.next(host), peerPort, linkPort, ports.next(host),
                        root.resolve("node" + id), "", nodeArgs, jvmArgs, NodeLog.pathFor(label, id)));
            }
            if (!partitionable) {
                String members = standalone.stream().map(NodeConfig::memberEntry).collect(Collectors.joining(","));
                return new CanopyCluster(label, root,
                        standalone.stream().map(c -> new NodeProcess(c.withMembers(members))).toList(), null);
            }
            String members = standalone.stream().map(c -> c.memberEntry(ClusterNetwork.hostName(c.nodeId())))
                    .collect(Collectors.joining(","));
            ClusterNetwork network = new ClusterNetwork(label, standalone.stream()
                    .map(c -> new ClusterNetwork.Member(c.nodeId(), c.host(), c.peerPort(), c.linkPort())).toList(),
                    root.resolve("hosts"));
            List<NodeProcess> processes = new ArrayList<>();
            for (NodeConfig c : standalone) {
                List<String> withHostsFile = new ArrayList<>(c.jvmArgs());
                withHostsFile.add(HostsFile.jvmOption(network.hostsFile(c.nodeId())));
                processes.add(new NodeProcess(new NodeConfig(c.nodeId(), c.host(), c.clientPort(), c.peerPort(),
                        c.linkPort(), c.httpPort(), c.dataDir(), members, c.extraArgs(), withHostsFile, c.logFile())));
            }
            return new CanopyCluster(label, root, processes, network);
        }

        /** The addresses of the relays from every other node to node {@code id}. */
        private List<String> relaysToNode(int id) {
            List<String> relays = new ArrayList<>();
            for (int from = 1; from <= nodes; from++) {
                if (from != id) {
                    relays.add(ClusterNetwork.relayAddress(from, id));
                }
            }
            return relays;
        }

        private void requireLoopbackAliases() {
            if (nodes < 2) {
                throw new IllegalStateException("a partitionable cluster needs at least two nodes, not " + nodes);
            }
            String relay = ClusterNetwork.relayAddress(1, 2);
            if (LoopbackPorts.DEFAULT_HOST.equals(LoopbackPorts.hostForNode(1)) || !LoopbackPorts.canBind(relay)) {
                throw new IllegalStateException("a partitionable cluster needs addresses of 127.0.0.0/8 other than"
                        + " 127.0.0.1 (e.g. " + relay + "), which this machine cannot bind");
            }
        }

        private Path temporaryRoot() {
            try {
                return Files.createTempDirectory("canopy-" + NodeLog.fileSafe(label) + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a data folder for cluster " + label, e);
            }
        }
    }
}
