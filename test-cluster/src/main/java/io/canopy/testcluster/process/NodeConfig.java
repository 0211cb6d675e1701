package io.canopy.testcluster.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How to start one node process: identity, addresses, folders and arguments. A node with {@code members} is a
 * member of that Raft cluster (its client and peer ports must be the ones of its own entry); a node without is a
 * standalone node.
 *
 * @param nodeId     the node's id ({@code canopy.node-id}), 1 for a standalone node
 * @param host       the loopback address every listener of the node binds to
 * @param clientPort the ZooKeeper client port
 * @param peerPort   the Raft peer port
 * @param linkPort   the replication link port (0: none, the leader replicates to the node over gRPC)
 * @param httpPort   the HTTP (actuator) port
 * @param dataDir    the node's data folder, kept across restarts
 * @param members    {@code canopy.cluster.members} ({@code id=host:clientPort:peerPort[:linkPort],...}); empty:
 *                   standalone. The node's own entry names {@code host}, or a host name that the node's JVM
 *                   resolves (see {@link #peerHost()})
 * @param extraArgs  more {@code --key=value} arguments; they may not set a key the harness sets itself
 * @param jvmArgs    options of the node's JVM, e.g. {@link #DEFAULT_JVM_ARGS}
 * @param logFile    the file the node's output is appended to
 */
public record NodeConfig(int nodeId, String host, int clientPort, int peerPort, int linkPort, int httpPort,
                         Path dataDir, String members, List<String> extraArgs, List<String> jvmArgs, Path logFile) {

    /**
     * The JVM options of a node unless a test chooses others: a heap big enough for the tests' trees, and the
     * serial collector, which needs the least CPU on a small machine running several nodes.
     */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xmx512m", "-XX:+UseSerialGC");

    /** The keys of {@link #arguments()} that the harness sets; a repeated key would become a list in Spring. */
    private static final Set<String> HARNESS_KEYS = Set.of("canopy.node-id", "canopy.cluster.members",
            "canopy.data-dir", "canopy.client-address", "canopy.client-port", "canopy.peer-address",
            "canopy.peer-port", "server.address", "server.port");

    public NodeConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(logFile, "logFile");
        members = members == null ? "" : members;
        extraArgs = List.copyOf(extraArgs);
        jvmArgs = List.copyOf(jvmArgs);
        if (!members.isEmpty() && ownEntry(members, nodeId, host, clientPort, peerPort) == null) {
            throw new IllegalArgumentException("members " + members + " do not list this node as " + nodeId + "="
                    + host + ":" + clientPort + ":" + peerPort + " (or with a host name instead of " + host + ")");
        }
        for (String arg : extraArgs) {
            String key = arg.startsWith("--") ? arg.substring(2).split("=", 2)[0] : "";
            if (HARNESS_KEYS.contains(key)) {
                throw new IllegalArgumentException("extra argument " + arg + " sets " + key
                        + ", which the harness sets itself from the node's configuration");
            }
        }
    }

    /** A standalone node on {@link LoopbackPorts#DEFAULT_HOST} with fresh free ports and the default JVM options. */
    public static NodeConfig standalone(String label, Path dataDir, List<String> extraArgs) {
        LoopbackPorts ports = new LoopbackPorts();
        String host = LoopbackPorts.DEFAULT_HOST;
        return new NodeConfig(1, host, ports.next(host), ports.next(host), 0, ports.next(host), dataDir, "",
                extraArgs, DEFAULT_JVM_ARGS, NodeLog.pathFor(label, 1));
    }

    /** This configuration as a member of the cluster {@code members}, which must list this node. */
    public NodeConfig withMembers(String members) {
        return new NodeConfig(nodeId, host, clientPort, peerPort, linkPort, httpPort, dataDir, members, extraArgs,
                jvmArgs, logFile);
    }

    /** Whether the node is a member of a cluster (has {@code members}) rather than standalone. */
    public boolean isClusterMember() {
        return !members.isEmpty();
    }

    /** This node's entry of {@code canopy.cluster.members}: {@code id=peerHost:clientPort:peerPort[:linkPort]}. */
    public String memberEntry() {
        return memberEntry(peerHost());
    }

    /** This node's entry of {@code canopy.cluster.members} as peers reach it under {@code peerHost}. */
    public String memberEntry(String peerHost) {
        return nodeId + "=" + peerHost + ":" + clientPort + ":" + peerPort + (linkPort > 0 ? ":" + linkPort : "");
    }

    /**
     * The host under which peers reach this node: the host of its own {@code members} entry. That is
     * {@link #host()} itself, or a host name that resolves to it inside the node's JVM (a partitionable cluster
     * names its nodes so that each peer reaches them through a relay of its own); {@link #host()} if standalone.
     */
    public String peerHost() {
        if (!isClusterMember()) {
            return host;
        }
        String entry = ownEntry(members, nodeId, host, clientPort, peerPort);
        return entry.substring(entry.indexOf('=') + 1, entry.indexOf(':'));
    }

    /**
     * The entry {@code id=host:clientPort:peerPort[:linkPort][:role]} of {@code members} that describes this node, or null: its
     * host must be {@code host}, or a name (not an address) that the node's JVM resolves, so that peers may dial
     * a name, while the node binds its listeners to {@code host} whatever the name resolves to elsewhere.
     */
    private static String ownEntry(String members, int nodeId, String host, int clientPort, int peerPort) {
        String prefix = nodeId + "=";
        for (String entry : members.split(",")) {
            if (!entry.startsWith(prefix)) {
                continue;
            }
            String[] parts = entry.substring(prefix.length()).split(":");
            if (parts.length < 3 || parts.length > 5 || !parts[1].equals(Integer.toString(clientPort))
                    || !parts[2].equals(Integer.toString(peerPort))) {
                continue;
            }
            String entryHost = parts[0];
            boolean isAddress = entryHost.matches("[0-9.]+");
            if (entryHost.equals(host) || !entryHost.isEmpty() && !isAddress) {
                return entry;
            }
        }
        return null;
    }

    /** {@code host:clientPort}, for a ZooKeeper client. */
    public String connectString() {
        return host + ":" + clientPort;
    }

    /** The node's command-line arguments (those after {@code -jar canopy-node.jar}). */
    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        if (isClusterMember()) {
            args.add("--canopy.node-id=" + nodeId);
            args.add("--canopy.cluster.members=" + members);
        } else {
            args.add("--canopy.client-port=" + clientPort);
            args.add("--canopy.peer-port=" + peerPort);
        }
        args.add("--canopy.data-dir=" + dataDir.toAbsolutePath());
        args.add("--canopy.client-address=" + host);
        args.add("--canopy.peer-address=" + host);
        args.add("--server.address=" + host);
        args.add("--server.port=" + httpPort);
        args.addAll(extraArgs);
        return args;
    }
}
