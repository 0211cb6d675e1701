package io.canopy.node.replication;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * The replication link: a plain TCP connection from the leader to each follower, carrying Raft's appends and
 * snapshot chunks one request at a time, each answered on the same connection before the next is sent. This is
 * the follower's end ({@link LinkAppender} is the leader's). The same port takes the runs followers forward to
 * the leader, on connections of their own ({@link ForwardLink}); elections, membership changes and everything
 * else stay on Ratis's gRPC.
 *
 * <p>Why: on 2 cores, Ratis's gRPC transport cost a 3-node cluster about three times ZooKeeper's CPU in
 * replication messaging (1.37 against 0.46 ms per churn session, profiled): HTTP/2 framing, an executor hop on
 * each side and an event-loop wake-up per message, for an append, its reply, a commit notice and its reply per
 * follower per entry. Canopy keeps at most one entry in flight in a cluster, so gRPC's pipelining of appends
 * bought nothing; a blocking exchange on a plain socket, written and read by the appender's own thread on the
 * leader and by one thread per connection here, is the same exchange with neither. The request is handed to this
 * node's Raft server exactly as gRPC would hand it (Ratis checks term, leader and log consistency), so Raft's
 * safety stays Ratis's; the link only carries bytes.
 *
 * <p>Wire format, both directions: every connection of appends opens with {@link #MAGIC} from the leader (one
 * that opens with {@link ForwardLink#MAGIC} carries a follower's runs); then frames of a
 * 4-byte length (of what follows), a 1-byte type ({@link #APPEND} or {@link #INSTALL_SNAPSHOT}) and the request's
 * (or reply's) protobuf encoding. A frame over {@link #MAX_FRAME_BYTES}, an unknown type, a wrong magic, a request
 * Ratis cannot parse or refuses with an exception closes the connection; the leader reconnects and resends from
 * the follower's next index.
 */
final class ReplicationLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationLink.class);

    /** First int of every connection: "CNL" and the wire format version 1. */
    static final int MAGIC = 0x434E4C01;
    static final byte APPEND = 1;
    static final byte INSTALL_SNAPSHOT = 2;
    /** Larger than any request Canopy makes: entries are capped far below (batch bytes), snapshot chunks at 16 MB. */
    static final int MAX_FRAME_BYTES = 64 << 20;
    /** Connections served at once: the leader opens one per follower; more are stale or not from a member. */
    static final int MAX_CONNECTIONS = 16;
    private static final int BUFFER_BYTES = 64 << 10;

    private static final String MEMBERS_PARAMETER = "canopy.replication-link.members";
    @SuppressWarnings("unchecked")
    private static final Class<List<Member>> MEMBERS_CLASS = (Class<List<Member>>) (Class<?>) List.class;

    private final RaftServer server;
    private final Function<byte[], String> acceptForwarded;
    private final ServerSocket listener;
    private final Duration idleTimeout;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Listens on {@code bindAddress:port} and serves every connection on a thread of its own.
     *
     * @param idleTimeout a connection that brings nothing for this long is closed (the leader sends at least a
     *                    heartbeat every half election timeout, and a follower's stream of runs pings every quarter
     *                    of it, so only a dead peer's connection stays silent)
     * @param acceptForwarded takes a run a follower forwarded, on the connection's thread: null once it is
     *                    queued, else why not ({@link ForwardLink#serve})
     */
    ReplicationLink(RaftServer server, String bindAddress, int port, Duration idleTimeout,
                    Function<byte[], String> acceptForwarded) throws IOException {
        this.server = server;
        this.acceptForwarded = acceptForwarded;
        this.idleTimeout = idleTimeout;
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bindAddress, port));
        } catch (IOException e) {
            s.close();
            throw new IOException("Cannot listen for the replication link on " + bindAddress + ":" + port + ": "
                    + e.getMessage(), e);
        }
        this.listener = s;
        Thread t = new Thread(this::accept, "canopy-link-accept");
        t.setDaemon(true);
        t.start();
        log.info("Replication link listening on {}:{}", bindAddress, port);
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("Replication link: accept failed: {}", e.toString());
                }
                continue;
            }
            if (open.size() >= MAX_CONNECTIONS) {
                log.warn("Replication link: refusing a connection from {}: {} open already", s.getRemoteSocketAddress(),
                        MAX_CONNECTIONS);
                closeQuietly(s);
                continue;
            }
            open.add(s);
            Thread t = new Thread(() -> serve(s), "canopy-link-in");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        String from = String.valueOf(s.getRemoteSocketAddress());
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(Math.toIntExact(Math.max(1, idleTimeout.toMillis())));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), BUFFER_BYTES));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), BUFFER_BYTES));
            int magic = in.readInt();
            if (magic == ForwardLink.MAGIC) {
                log.debug("Replication link: a follower's runs from {}", from);
                ForwardLink.serve(in, out, acceptForwarded);
                return;
            }
            if (magic != MAGIC) {
                log.warn("Replication link: closing a connection from {}: it did not open with the link's magic"
                        + " (read 0x{}): not a Canopy leader, or another version", from, Integer.toHexString(magic));
                return;
            }
            log.debug("Replication link: leader connected from {}", from);
            while (!closed) {
                Frame request = readFrame(in);
                MessageLite reply = switch (request.type()) {
                    case APPEND -> server.appendEntriesAsync(AppendEntriesRequestProto.parseFrom(request.body())).join();
                    case INSTALL_SNAPSHOT -> server.installSnapshot(InstallSnapshotRequestProto.parseFrom(request.body()));
                    default -> throw new IOException("unknown frame type " + request.type());
                };
                writeFrame(out, request.type(), reply);
            }
        } catch (EOFException | SocketException e) {
            log.debug("Replication link from {} closed: {}", from, e.toString());
        } catch (IOException | CompletionException | IllegalStateException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!closed) {
                log.info("Replication link from {} closed: {}", from, cause.toString());
            }
        } finally {
            open.remove(s);
            closeQuietly(s);
        }
    }

    /** A frame: its type and body. */
    record Frame(byte type, byte[] body) {
    }

    /** Reads one frame; an oversized or empty one is an {@link IOException} (the caller closes the connection). */
    static Frame readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 1 || length > MAX_FRAME_BYTES) {
            throw new IOException("frame of " + length + " bytes (1.." + MAX_FRAME_BYTES + ")");
        }
        byte type = in.readByte();
        byte[] body = new byte[length - 1];
        in.readFully(body);
        return new Frame(type, body);
    }

    /** Writes one frame and flushes it. */
    static void writeFrame(DataOutputStream out, byte type, MessageLite message) throws IOException {
        int size = message.getSerializedSize();
        out.writeInt(size + 1);
        out.writeByte(type);
        message.writeTo(out);
        out.flush();
    }

    /** Writes one frame of raw bytes and flushes it. */
    static void writeFrame(DataOutputStream out, byte type, byte[] body) throws IOException {
        out.writeInt(body.length + 1);
        out.writeByte(type);
        out.write(body);
        out.flush();
    }

    /** The members as configured on this node, for {@link #addressOf}: passed to the RPC factory through Ratis. */
    static void setMembers(Parameters parameters, List<Member> members) {
        parameters.put(MEMBERS_PARAMETER, List.copyOf(members), MEMBERS_CLASS);
    }

    static List<Member> members(Parameters parameters) {
        List<Member> members = parameters == null ? null : parameters.get(MEMBERS_PARAMETER, MEMBERS_CLASS);
        return members == null ? List.of() : members;
    }

    /**
     * Where the leader reaches {@code peer}'s link, or null (then it replicates to it over gRPC): the address in
     * the Raft configuration (its data stream address), else the one this node's own member list gives the same
     * member (same id and peer address: a cluster started before links had them, whose configuration entries lack
     * it).
     */
    static String addressOf(RaftPeer peer, List<Member> configured) {
        String address = peer.getDataStreamAddress();
        if (address != null && !address.isEmpty()) {
            return address;
        }
        int id = RatisConfig.nodeIdOf(peer.getId());
        for (Member m : configured) {
            if (m.id() == id && m.peerAddress().equals(peer.getAddress())) {
                return m.linkAddress();
            }
        }
        return null;
    }

    /** The link port in a peer's configuration entry (its data stream address), or 0. */
    static int portOf(RaftPeer peer) {
        String address = peer.getDataStreamAddress();
        int colon = address == null ? -1 : address.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        open.forEach(ReplicationLink::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
