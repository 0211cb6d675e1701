package io.canopy.node.transport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.canopy.core.SessionInfo;
import io.canopy.node.replication.ReplicationSettings.Role;
import io.canopy.node.replication.TxnLog;
import io.canopy.node.server.ConnectionInfo;
import io.canopy.node.server.CoordinatorService;
import io.canopy.node.server.ServerSettings;
import io.canopy.node.server.ServerStatus;

/**
 * ZooKeeper's four-letter words, answered in ZooKeeper's text formats so that existing monitoring (nc, zkTop,
 * exporters parsing {@code mntr}) works unchanged. Words ZooKeeper knows but Canopy does not implement, or that
 * are not in the whitelist, get ZooKeeper's "not in the whitelist" answer.
 */
public final class FourLetterWords {
    /** The version reported to tools: the ZooKeeper protocol level, then Canopy's own. */
    public static final String VERSION = "3.9.5-canopy-0.1.0";

    /** ZooKeeper's answer, word for word, from a server that cannot serve (here: no contact with a leader). */
    static final String NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n";

    /** ZooKeeper's line, after the version, in srvr and stat of a read-only server. */
    static final String READ_ONLY_LINE = "READ-ONLY mode; serving only read-only clients\n";

    /**
     * The words that need a serving node, or one in read-only mode (ZooKeeper runs its read-only server then);
     * others (ruok, envi, isro) answer regardless, as in ZooKeeper.
     */
    private static final Set<String> NEED_SERVING = Set.of("srvr", "stat", "cons", "mntr", "conf", "wchs", "wchc",
            "wchp", "dump", "dirs");

    /** Every word ZooKeeper 3.9 recognises as a four-letter word (and not as a frame length). */
    private static final Set<String> KNOWN = Set.of("conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash",
            "isro", "mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs");

    /** The words Canopy answers; the default whitelist. */
    public static final Set<String> IMPLEMENTED = Set.of("ruok", "srvr", "stat", "conf", "cons", "mntr", "wchs",
            "envi", "isro", "wchc", "wchp", "dump", "dirs");

    private final CoordinatorService service;
    private final Set<String> whitelist;
    private final int clientPort;
    private final Path dataDir;

    /**
     * @param whitelist words to answer (ZooKeeper's 4lw.commands.whitelist); {@code *} or null for all
     * @param dataDir   directory whose size {@code dirs} reports, or null
     */
    public FourLetterWords(CoordinatorService service, Set<String> whitelist, int clientPort, Path dataDir) {
        this.service = service;
        this.whitelist = whitelist == null || whitelist.contains("*") ? IMPLEMENTED : Set.copyOf(whitelist);
        this.clientPort = clientPort;
        this.dataDir = dataDir;
    }

    public static boolean isKnown(String word) {
        return KNOWN.contains(word);
    }

    /** The complete answer to send before closing the connection. */
    public String answer(String word) {
        if (!whitelist.contains(word) || !IMPLEMENTED.contains(word)) {
            return word + " is not executed because it is not in the whitelist.\n";
        }
        boolean serving = service.isServing();
        boolean readOnly = !serving && service.isReadOnly();
        if (!serving && !readOnly && NEED_SERVING.contains(word)) {
            return NOT_SERVING;
        }
        return switch (word) {
            case "ruok" -> "imok";
            // ZooKeeper's IsroCommand: "null" without a running server, "ro" from its read-only server, else "rw".
            // The official client's pingRwServer moves a read-only session to a server that answers "rw".
            case "isro" -> serving ? "rw" : readOnly ? "ro" : "null";
            case "srvr" -> versionLines(readOnly) + serverStats(service.status());
            case "stat" -> stat(readOnly);
            case "cons" -> cons();
            case "mntr" -> mntr();
            case "conf" -> conf();
            case "envi" -> envi();
            case "wchs" -> wchs();
            case "wchc" -> wchc();
            case "wchp" -> wchp();
            case "dump" -> dump();
            case "dirs" -> "datadir_size: " + dirSize() + "\nlogdir_size: 0\n";
            default -> word + " is not executed because it is not in the whitelist.\n";
        };
    }

    private static String serverStats(ServerStatus s) {
        return "Latency min/avg/max: " + s.minLatency() + "/" + s.avgLatency() + "/" + s.maxLatency() + "\n"
                + "Received: " + s.packetsReceived() + "\n"
                + "Sent: " + s.packetsSent() + "\n"
                + "Connections: " + s.connectionCount() + "\n"
                + "Outstanding: " + s.outstandingRequests() + "\n"
                + "Zxid: 0x" + Long.toHexString(s.lastZxid()) + "\n"
                + "Mode: " + mode(s) + "\n"
                + "Node count: " + s.nodeCount() + "\n"
                // ZooKeeper's StatCommand adds this line on its leader only.
                + (s.leaderView() == null ? "" : "Proposal sizes last/min/max: " + s.leaderView().lastEntryBytes()
                        + "/" + s.leaderView().minEntryBytes() + "/" + s.leaderView().maxEntryBytes() + "\n");
    }

    private static String mode(ServerStatus s) {
        return s.mode();
    }

    private static String versionLines(boolean readOnly) {
        return "Zookeeper version: " + VERSION + "\n" + (readOnly ? READ_ONLY_LINE : "");
    }

    private String stat(boolean readOnly) {
        StringBuilder sb = new StringBuilder(versionLines(readOnly)).append("Clients:\n");
        for (ConnectionInfo c : service.connections()) {
            sb.append(' ').append(c.remoteAddress()).append("[1](queued=").append(c.queued()).append(",recved=")
                    .append(c.received()).append(",sent=").append(c.sent()).append(")\n");
        }
        return sb.append('\n').append(serverStats(service.status())).toString();
    }

    private String cons() {
        StringBuilder sb = new StringBuilder();
        for (ConnectionInfo c : service.connections()) {
            sb.append(' ').append(c.remoteAddress()).append("[1](queued=").append(c.queued())
                    .append(",recved=").append(c.received()).append(",sent=").append(c.sent());
            if (c.sessionId() != 0) {
                sb.append(",sid=0x").append(Long.toHexString(c.sessionId()))
                        .append(",lop=").append(c.lastOperation())
                        .append(",est=").append(c.establishedAt())
                        .append(",to=").append(c.timeoutMillis())
                        .append(",lcxid=0x").append(Long.toHexString(c.lastCxid()))
                        .append(",lzxid=0x").append(Long.toHexString(c.lastZxid()))
                        .append(",lresp=").append(c.lastResponseAt())
                        .append(",llat=").append(c.lastLatency())
                        .append(",minlat=").append(c.minLatency())
                        .append(",avglat=").append(c.avgLatency())
                        .append(",maxlat=").append(c.maxLatency());
            }
            sb.append(")\n");
        }
        return sb.append('\n').toString();
    }

    /**
     * ZooKeeper 3.9's mntr, key for key where Canopy has the value, in the order ZooKeeper 3.9.5 prints them
     * (version and state first, then its gauges in the iteration order of its metrics map, read off a real 3.9.5
     * leader; the keys it has and Canopy does not are left out). A standalone node prints no quorum keys, as
     * ZooKeeper's standalone server; a leader adds the leader-only keys. Canopy's own keys come last.
     */
    private String mntr() {
        ServerStatus s = service.status();
        TxnLog.LeaderView leader = s.leaderView();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zk_version", VERSION);
        m.put("zk_server_state", mode(s));
        if (s.peerState() != null) {
            m.put("zk_peer_state", s.peerState());
        }
        m.put("zk_ephemerals_count", s.ephemeralCount());
        m.put("zk_num_alive_connections", s.connectionCount());
        m.put("zk_avg_latency", s.avgLatency());
        if (leader != null) {
            // Sizes of whole log entries: each batches many ZooKeeper transactions (a ZooKeeper proposal holds one).
            m.put("zk_min_proposal_size", leader.minEntryBytes());
        }
        m.put("zk_outstanding_requests", s.outstandingRequests());
        m.put("zk_znode_count", s.nodeCount());
        m.put("zk_global_sessions", s.sessionCount());
        m.put("zk_packets_sent", s.packetsSent());
        m.put("zk_packets_received", s.packetsReceived());
        if (leader != null) {
            m.put("zk_max_proposal_size", leader.maxEntryBytes());
            m.put("zk_synced_followers", leader.synced(Role.PARTICIPANT));
        }
        m.put("zk_watch_count", s.watchCount());
        if (leader != null) {
            m.put("zk_synced_non_voting_followers", leader.synced(null));
            m.put("zk_synced_observers", leader.synced(Role.OBSERVER));
        }
        m.put("zk_min_latency", s.minLatency());
        m.put("zk_max_file_descriptor_count", s.maxFileDescriptors());
        m.put("zk_approximate_data_size", s.approximateDataSize());
        m.put("zk_open_file_descriptor_count", s.openFileDescriptors());
        if (leader != null) {
            m.put("zk_last_proposal_size", leader.lastEntryBytes());
            m.put("zk_pending_syncs", s.pendingSyncs());
            m.put("zk_leader_uptime", leader.uptimeMillis());
        }
        // ZooKeeper's local sessions (localSessionsEnabled) do not exist in Canopy.
        m.put("zk_local_sessions", 0);
        m.put("zk_uptime", ManagementFactory.getRuntimeMXBean().getUptime());
        m.put("zk_max_latency", s.maxLatency());
        if (leader != null) {
            m.put("zk_learners", leader.learners().size());
            // ZooKeeper up to 3.5 printed the same count as zk_followers; monitoring written then still reads it.
            m.put("zk_followers", leader.learners().size());
        }
        if (s.peerState() != null) {
            m.put("zk_quorum_size", s.quorumSize());
        }
        m.put("zk_last_zxid", "0x" + Long.toHexString(s.lastZxid()));
        m.put("zk_last_applied_index", s.lastAppliedIndex());
        // Canopy's own key: nodes at the same zk_last_zxid must report the same digest (replica divergence check).
        m.put("canopy_tree_digest", String.format("%016x", s.treeDigest()));
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(k).append('\t').append(v).append('\n'));
        return sb.toString();
    }

    private String conf() {
        ServerSettings st = service.settings();
        return "clientPort=" + clientPort + "\n"
                + "dataDir=" + (dataDir == null ? "" : dataDir.toAbsolutePath()) + "\n"
                + "tickTime=" + st.tickTime().toMillis() + "\n"
                + "maxClientCnxns=" + st.maxClientConnections() + "\n"
                + "minSessionTimeout=" + st.minSessionTimeout().toMillis() + "\n"
                + "maxSessionTimeout=" + st.maxSessionTimeout().toMillis() + "\n"
                + "jute.maxbuffer=" + st.maxPacketBytes() + "\n"
                + "serverId=" + service.nodeId() + "\n";
    }

    private static String envi() {
        StringBuilder sb = new StringBuilder("Environment:\n");
        sb.append("zookeeper.version=").append(VERSION).append('\n');
        String host;
        try {
            host = InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            host = "<NA>";
        }
        sb.append("host.name=").append(host).append('\n');
        for (String key : new String[] {"java.version", "java.vendor", "java.home", "java.class.path",
                "java.library.path", "java.io.tmpdir", "os.name", "os.arch", "os.version", "user.name",
                "user.home", "user.dir"}) {
            sb.append(key).append('=').append(System.getProperty(key, "<NA>")).append('\n');
        }
        Runtime rt = Runtime.getRuntime();
        sb.append("os.memory.free=").append(rt.freeMemory() / (1024 * 1024)).append("MB\n");
        sb.append("os.memory.max=").append(rt.maxMemory() / (1024 * 1024)).append("MB\n");
        sb.append("os.memory.total=").append(rt.totalMemory() / (1024 * 1024)).append("MB\n");
        return sb.toString();
    }

    private String wchs() {
        Map<Long, Set<String>> bySession = service.watchesBySession();
        Set<String> paths = new TreeSet<>();
        bySession.values().forEach(paths::addAll);
        return bySession.size() + " connections watching " + paths.size() + " paths\nTotal watches:"
                + service.watchCount() + "\n";
    }

    private String wchc() {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(service.watchesBySession()).forEach((session, paths) -> {
            sb.append("0x").append(Long.toHexString(session)).append('\n');
            new TreeSet<>(paths).forEach(p -> sb.append('\t').append(p).append('\n'));
        });
        return sb.toString();
    }

    private String wchp() {
        Map<String, Set<Long>> byPath = new TreeMap<>();
        service.watchesBySession().forEach((session, paths) ->
                paths.forEach(p -> byPath.computeIfAbsent(p, k -> new TreeSet<>()).add(session)));
        StringBuilder sb = new StringBuilder();
        byPath.forEach((path, sessions) -> {
            sb.append(path).append('\n');
            sessions.forEach(s -> sb.append("\t0x").append(Long.toHexString(s)).append('\n'));
        });
        return sb.toString();
    }

    private String dump() {
        StringBuilder sb = new StringBuilder("SessionTracker dump:\n");
        var sessions = service.sessions();
        sb.append("Global Sessions(").append(sessions.size()).append("):\n");
        for (SessionInfo s : sessions) {
            sb.append("0x").append(Long.toHexString(s.sessionId())).append('\t').append(s.timeoutMillis())
                    .append("ms\n");
        }
        long withEphemerals = sessions.stream().filter(s -> s.ephemeralCount() > 0).count();
        sb.append("ephemeral nodes dump:\nSessions with Ephemerals (").append(withEphemerals).append("):\n");
        for (SessionInfo s : sessions) {
            if (s.ephemeralCount() > 0) {
                sb.append("0x").append(Long.toHexString(s.sessionId())).append(": ").append(s.ephemeralCount())
                        .append(" ephemeral nodes\n");
            }
        }
        return sb.toString();
    }

    private long dirSize() {
        if (dataDir == null || !Files.isDirectory(dataDir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
