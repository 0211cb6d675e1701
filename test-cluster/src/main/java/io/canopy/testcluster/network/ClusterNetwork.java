package io.canopy.testcluster.network;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The network between the Raft peers of one test cluster, with one relay per directed pair of nodes, so that a
 * test can cut any node off from any other while every process keeps running.
 *
 * <p>Why one relay per <em>directed pair</em>: every node runs on this machine and dials its peers from
 * 127.0.0.1, so a relay in front of node j cannot tell which node is calling. Instead node i reaches node j under
 * the name {@link #hostName(int) canopy-node-j}, and node i's JVM resolves that name, through its own
 * {@link HostsFile} ({@code -Djdk.net.hosts.file}), to the address of relay (i&rarr;j),
 * {@link #relayAddress(int, int) 127.0.i.(10+j)}, which listens on node j's peer port and forwards to node j's
 * real peer address. Each node resolves its own name to its own address. Connections node i opens to node j
 * therefore all pass relay (i&rarr;j), and nothing else does; {@code n·(n-1)} relays serve {@code n} nodes, all
 * on one selector thread ({@link TcpRelay}).
 *
 * <p>What a cut means: {@link #cutLink(int, int) cutLink(i, j)} blackholes the connections node i opens to node
 * j, in both byte directions (request and reply travel the same TCP connection), while the connections node j
 * opens to node i are untouched. {@link #isolate} and {@link #partition} cut both directions. See
 * {@link TcpRelay} for what a blackholed connection looks like and what healing does to it.
 *
 * <p>Only the peer (Raft) traffic passes the relays: clients reach every node at its own address. A node with a
 * replication link port gets a second relay per pair on that port, which is cut and healed with the first.
 */
public final class ClusterNetwork implements AutoCloseable {
    /** Relay (i&rarr;j) listens on 127.0.i.(FIRST_RELAY_OCTET + j), beside the nodes' 127.0.0.(10+j). */
    private static final int FIRST_RELAY_OCTET = 10;

    private final Map<Integer, Member> members = new TreeMap<>();
    private final Map<Integer, Path> hostsFiles = new TreeMap<>();
    private final Map<LinkId, TcpRelay.Link> links = new LinkedHashMap<>();
    /** The relays of the replication link ports, cut and healed with the peer port's relay of the same pair. */
    private final Map<LinkId, TcpRelay.Link> replicationLinks = new LinkedHashMap<>();
    private final String name;
    private TcpRelay relay;

    /**
     * A node of the cluster as its peers must reach it.
     *
     * @param id       the node id, as in {@code canopy.cluster.members}
     * @param address  the loopback address the node's peer listener binds to
     * @param peerPort the node's Raft peer port
     * @param linkPort the node's replication link port, 0 if it has none (relayed like the peer port)
     */
    public record Member(int id, String address, int peerPort, int linkPort) {
        public Member {
            Objects.requireNonNull(address, "address");
            if (id < 1 || FIRST_RELAY_OCTET + id > 254) {
                throw new IllegalArgumentException("node id " + id + " out of range 1.." + (254 - FIRST_RELAY_OCTET));
            }
        }

        /** A node without a replication link port. */
        public Member(int id, String address, int peerPort) {
            this(id, address, peerPort, 0);
        }
    }

    /** A directed link: the connections node {@code from} opens to node {@code to}. */
    public record LinkId(int from, int to) implements Comparable<LinkId> {
        @Override
        public int compareTo(LinkId o) {
            return from != o.from ? Integer.compare(from, o.from) : Integer.compare(to, o.to);
        }

        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    /**
     * Writes every node's hosts file into {@code hostsFolder}; opens no relay yet (see {@link #start()}).
     *
     * @param name        names the relay thread and log lines, e.g. the cluster's label
     * @param nodes       every node of the cluster, at least two
     * @param hostsFolder where {@code node<i>.hosts} go
     */
    public ClusterNetwork(String name, Collection<Member> nodes, Path hostsFolder) {
        this.name = Objects.requireNonNull(name, "name");
        for (Member m : nodes) {
            if (members.put(m.id(), m) != null) {
                throw new IllegalArgumentException("node " + m.id() + " listed twice");
            }
        }
        if (members.size() < 2) {
            throw new IllegalArgumentException("a network needs at least two nodes, not " + members.keySet());
        }
        for (Member self : members.values()) {
            HostsFile file = HostsFile.withLocalNames();
            for (Member other : members.values()) {
                file.map(hostName(other.id()), other.id() == self.id() ? self.address()
                        : relayAddress(self.id(), other.id()));
            }
            hostsFiles.put(self.id(), file.write(hostsFolder.resolve("node" + self.id() + ".hosts"),
                    "Name resolution of node " + self.id() + "'s JVM, written by the Canopy test harness\n"
                            + "(ClusterNetwork): a peer's name leads to the relay of the link from node "
                            + self.id() + " to that peer."));
        }
    }

    /** The name under which every node reaches node {@code id}: what {@code canopy.cluster.members} lists. */
    public static String hostName(int id) {
        return "canopy-node-" + id;
    }

    /** The loopback address of relay ({@code from}&rarr;{@code to}): 127.0.from.(10+to). */
    public static String relayAddress(int from, int to) {
        if (from < 1 || from > 255 || to < 1 || FIRST_RELAY_OCTET + to > 254 || from == to) {
            throw new IllegalArgumentException("no relay from node " + from + " to node " + to);
        }
        return "127.0." + from + "." + (FIRST_RELAY_OCTET + to);
    }

    /** The hosts file of node {@code id}'s JVM. */
    public Path hostsFile(int id) {
        Path file = hostsFiles.get(id);
        if (file == null) {
            throw new IllegalArgumentException("no node " + id + " in " + this);
        }
        return file;
    }

    /**
     * Opens every relay, all links open; does nothing if they are open already.
     *
     * @throws java.io.UncheckedIOException if a relay cannot listen (nothing stays open then)
     */
    public synchronized void start() {
        if (relay != null) {
            return;
        }
        TcpRelay opened = new TcpRelay(name);
        try {
            for (Member from : members.values()) {
                for (Member to : members.values()) {
                    if (from.id() != to.id()) {
                        LinkId id = new LinkId(from.id(), to.id());
                        links.put(id, opened.open(id.toString(),
                                new InetSocketAddress(relayAddress(from.id(), to.id()), to.peerPort()),
                                new InetSocketAddress(to.address(), to.peerPort())));
                        if (to.linkPort() > 0) {
                            replicationLinks.put(id, opened.open(id + " (replication link)",
                                    new InetSocketAddress(relayAddress(from.id(), to.id()), to.linkPort()),
                                    new InetSocketAddress(to.address(), to.linkPort())));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            links.clear();
            replicationLinks.clear();
            opened.close();
            throw e;
        }
        relay = opened;
    }

    /**
     * Cuts every link to and from node {@code id}: it keeps running but reaches no peer and no peer reaches it.
     *
     * @return the links this call cut (those that were open)
     */
    public synchronized List<LinkId> isolate(int id) {
        requireMember(id);
        Set<Integer> others = new HashSet<>(members.keySet());
        others.remove(id);
        return partition(Set.of(id), others);
    }

    /**
     * Cuts every link between a node of {@code a} and a node of {@code b}, both directions. Links among the nodes
     * of one side, and of nodes in neither set, are untouched.
     *
     * @return the links this call cut (those that were open)
     * @throws IllegalArgumentException if a set is empty, they overlap, or name an unknown node
     */
    public synchronized List<LinkId> partition(Set<Integer> a, Set<Integer> b) {
        if (a.isEmpty() || b.isEmpty()) {
            throw new IllegalArgumentException("both sides of a partition need a node: " + a + " | " + b);
        }
        a.forEach(this::requireMember);
        b.forEach(this::requireMember);
        Set<Integer> both = new HashSet<>(a);
        both.retainAll(b);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("nodes " + both + " are on both sides of " + a + " | " + b);
        }
        List<LinkId> cut = new ArrayList<>();
        for (int x : a) {
            for (int y : b) {
                cut.addAll(cutLink(x, y));
                cut.addAll(cutLink(y, x));
            }
        }
        cut.sort(null);
        return cut;
    }

    /**
     * Cuts the connections node {@code from} opens to node {@code to} (both byte directions on them); those that
     * {@code to} opens to {@code from} keep working.
     *
     * @return the link, if it was open; empty if it was cut already
     */
    public synchronized List<LinkId> cutLink(int from, int to) {
        TcpRelay.Link link = link(from, to);
        if (link.isCut()) {
            return List.of();
        }
        link.cut();
        TcpRelay.Link replication = replicationLinks.get(new LinkId(from, to));
        if (replication != null) {
            replication.cut();
        }
        return List.of(new LinkId(from, to));
    }

    /**
     * Opens every cut link (see {@link TcpRelay} for what happens to the connections).
     *
     * @return the links this call healed
     */
    public synchronized List<LinkId> heal() {
        List<LinkId> healed = new ArrayList<>();
        links.forEach((id, link) -> {
            if (link.isCut()) {
                link.heal();
                healed.add(id);
            }
        });
        replicationLinks.values().stream().filter(TcpRelay.Link::isCut).forEach(TcpRelay.Link::heal);
        return healed;
    }

    /** The links that are cut now, in order. */
    public synchronized List<LinkId> cutLinks() {
        return links.entrySet().stream().filter(e -> e.getValue().isCut()).map(Map.Entry::getKey).sorted()
                .toList();
    }

    /**
     * The relay of link ({@code from}&rarr;{@code to}), for its counters.
     *
     * @throws IllegalStateException if the network is not started
     */
    public synchronized TcpRelay.Link link(int from, int to) {
        requireMember(from);
        requireMember(to);
        if (relay == null) {
            throw new IllegalStateException(this + " is not started");
        }
        TcpRelay.Link link = links.get(new LinkId(from, to));
        if (link == null) {
            throw new IllegalArgumentException("no link from node " + from + " to node " + to);
        }
        return link;
    }

    /**
     * The relay of the replication link from node {@code from} to node {@code to} (the connections {@code from}
     * opens to {@code to}'s link port), for its counters.
     *
     * @throws IllegalStateException    if the network is not started
     * @throws IllegalArgumentException if node {@code to} has no link port
     */
    public synchronized TcpRelay.Link replicationLink(int from, int to) {
        link(from, to);
        TcpRelay.Link link = replicationLinks.get(new LinkId(from, to));
        if (link == null) {
            throw new IllegalArgumentException("node " + to + " has no replication link port");
        }
        return link;
    }

    /** Every link with its counters, one per line, for failure messages and logs. */
    public synchronized String describe() {
        return java.util.stream.Stream.concat(links.values().stream(), replicationLinks.values().stream())
                .map(TcpRelay.Link::toString).collect(Collectors.joining("\n"));
    }

    /** Closes every relay and connection; {@link #start()} may open them again. */
    @Override
    public synchronized void close() {
        if (relay != null) {
            relay.close();
            relay = null;
            links.clear();
            replicationLinks.clear();
        }
    }

    @Override
    public String toString() {
        return "network " + name + " of nodes " + members.keySet();
    }

    private void requireMember(int id) {
        if (!members.containsKey(id)) {
            throw new IllegalArgumentException("no node " + id + " in " + this);
        }
    }
}
