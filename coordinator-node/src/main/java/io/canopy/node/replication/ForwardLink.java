package io.canopy.node.replication;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.canopy.node.replication.ReplicationLink.Frame;

/**
 * A follower's runs to a leader that has a replication link, on a connection of their own to the leader's link
 * port: the submitting thread writes each run straight to the socket, and the leader reads it on the
 * connection's own thread and queues it ({@link ReplicationLink} serves both ends of its port). The contract is
 * {@link ForwardStream}'s, only the bytes travel differently: runs unanswered, in order; a refusal comes back with
 * its reason and ends the connection; a connection that breaks fails every run its sender still holds.
 *
 * <p>Why: over Ratis's gRPC a run took a hand-off to the channel's event loop on the follower, HTTP/2 framing on
 * both sides and an event-loop wake-up on the leader: 7-9 % of every node's CPU under session churn on a 3-node
 * cluster (profiled). A run is at most one of {@link RatisTxnLog#FORWARD_WINDOW} in flight, so a blocking write
 * of a length-prefixed frame from the thread that has it is all the transport it needs.
 *
 * <p>Wire format: the follower opens with {@link #MAGIC}, and the leader answers it with the same four bytes;
 * then frames as on the replication link (a 4-byte length of what follows, a 1-byte type, the body): {@link #RUN}
 * (a run's bytes) and {@link #PING} (empty, sent when the follower has written nothing for a quarter of the link
 * timeout, so the leader can tell a quiet follower from a dead one) from the follower; one {@link #REFUSAL} (the
 * reason, UTF-8) from the leader before it closes. A send that makes no progress within the link timeout breaks
 * the stream. The follower does not wait for the leader's magic before it sends: it only tells, when a stream
 * ends, whether the leader took runs on its link at all; one of an earlier version closes the connection
 * unanswered, and {@link ForwardStream} then sends that leader's runs over gRPC, as that version expects
 * (a rolling upgrade).
 */
final class ForwardLink {
    private static final Logger log = LoggerFactory.getLogger(ForwardLink.class);

    /** First int of a connection carrying runs: "CNF" and the wire format version 1. */
    static final int MAGIC = 0x434E4601;
    static final byte RUN = 3;
    static final byte PING = 4;
    static final byte REFUSAL = 5;
    /** A refusal is a sentence; anything longer from the leader is not one. */
    private static final int MAX_REFUSAL_BYTES = 64 << 10;
    private static final int BUFFER_BYTES = 64 << 10;

    private ForwardLink() {
    }

    /**
     * The leader's end, after the connection opened with {@link #MAGIC}: hands each run to {@code accept}, which
     * answers null once it is queued, or why it was refused; a refusal is sent back and ends the connection.
     * Returns when it is refused; a broken or silent connection, or a frame it does not know, is an
     * {@link IOException}.
     */
    static void serve(DataInputStream in, DataOutputStream out, Function<byte[], String> accept) throws IOException {
        out.writeInt(MAGIC);   // this leader takes runs here (one of an earlier version closes instead)
        out.flush();
        while (true) {
            Frame frame = ReplicationLink.readFrame(in);
            switch (frame.type()) {
                case PING -> {
                    // the follower is alive and has nothing to send
                }
                case RUN -> {
                    String refusal;
                    try {
                        refusal = accept.apply(frame.body());
                    } catch (RuntimeException e) {
                        refusal = e.toString();
                    }
                    if (refusal != null) {
                        ReplicationLink.writeFrame(out, REFUSAL, refusal.getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                }
                default -> throw new IOException("unknown frame type " + frame.type() + " among forwarded runs");
            }
        }
    }

    /**
     * Connects to {@code leader}'s link at {@code address} (host:port), on the submitting thread.
     *
     * @param timeout the link timeout: the leader closes a connection silent for this long, and a send that
     *                makes no progress for this long breaks the stream
     */
    static ForwardStream.Stream connect(int leader, String address, Duration timeout) throws IOException {
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0) {
            throw new IOException("link address " + address + " is not host:port");
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(address.substring(0, colon), port),
                    Math.toIntExact(Math.min(timeout.toMillis(), 3_000)));
            socket.setSoTimeout(Math.toIntExact(Math.max(10, timeout.toMillis() / 8)));
            LinkStream stream = new LinkStream(leader, address, socket, timeout);
            stream.start();
            return stream;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The follower's end: the submitting thread writes, a thread of the stream's own reads and keeps watch. */
    private static final class LinkStream extends ForwardStream.Stream {
        private final String address;
        private final Socket socket;
        private final long timeoutNanos;
        private final InputStream in;
        private final DataOutputStream out;
        /** Held while writing: by the submitting thread for a run, by the reader for a ping. */
        private final ReentrantLock writing = new ReentrantLock();
        /** Whether the leader answered the magic: it takes runs on its link (reader thread writes). */
        private volatile boolean answered;
        /** Whether the leader closed the connection without answering the magic. */
        private volatile boolean closedUnanswered;
        /** When the write under way began (System.nanoTime), or 0. */
        private volatile long writeStarted;
        private volatile long lastWrite = System.nanoTime();

        LinkStream(int leader, String address, Socket socket, Duration timeout) throws IOException {
            super(leader);
            this.address = address;
            this.socket = socket;
            this.timeoutNanos = timeout.toNanos();
            this.in = socket.getInputStream();
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), BUFFER_BYTES));
            out.writeInt(MAGIC);
            out.flush();
        }

        void start() {
            Thread t = new Thread(this::read, "canopy-forward-to-n" + leader);
            t.setDaemon(true);
            t.start();
        }

        @Override
        void write(byte[] run) {
            boolean locked;
            try {
                locked = writing.tryLock(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                broke("interrupted while sending a run to n" + leader, e);
                return;
            }
            if (!locked) {
                broke("the link to n" + leader + " at " + address + " took no run for "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null);
                return;
            }
            try {
                writeStarted = System.nanoTime();
                writeFrame(RUN, run);
            } catch (IOException e) {
                broke("sending a run to n" + leader + " at " + address + " failed: " + e, e);
            } finally {
                writeStarted = 0;
                writing.unlock();
            }
        }

        /** Caller holds {@link #writing}. */
        private void writeFrame(byte type, byte[] body) throws IOException {
            ReplicationLink.writeFrame(out, type, body);
            lastWrite = System.nanoTime();
        }

        @Override
        void cancel() {
            closeSocket();
        }

        @Override
        boolean refusedTransport() {
            return closedUnanswered;
        }

        private void broke(String why, Throwable cause) {
            fail(new IllegalStateException(why, cause));
            closeSocket();
        }

        private void closeSocket() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        /**
         * The stream's thread: reads what the leader sends (nothing, or a refusal and the end), and between reads
         * breaks a send that is stuck and pings the leader when the follower has been quiet.
         */
        private void read() {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[512];
            try {
                while (true) {
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (SocketTimeoutException e) {
                        watch();
                        continue;
                    }
                    if (n < 0) {
                        closedUnanswered = !answered;
                        fail(new IllegalStateException(endOf(received.toByteArray())));
                        return;
                    }
                    received.write(buffer, 0, n);
                    if (!answered && received.size() >= 4) {
                        if (ByteBuffer.wrap(received.toByteArray()).getInt() != MAGIC) {
                            throw new IOException("n" + leader + " answered the runs' magic with something else");
                        }
                        answered = true;
                        byte[] rest = received.toByteArray();
                        received.reset();
                        received.write(rest, 4, rest.length - 4);
                    }
                    if (received.size() > MAX_REFUSAL_BYTES) {
                        throw new IOException("n" + leader + " sent " + received.size()
                                + " bytes on a stream of runs, more than any refusal");
                    }
                }
            } catch (IOException e) {
                fail(new IllegalStateException("the stream of runs to n" + leader + " at " + address + " failed: "
                        + e, e));
            } finally {
                closeSocket();
            }
        }

        private void watch() throws IOException {
            long started = writeStarted;
            long now = System.nanoTime();
            if (started != 0 && now - started > timeoutNanos) {
                throw new IOException("a run sent " + TimeUnit.NANOSECONDS.toMillis(now - started)
                        + " ms ago is not out yet");
            }
            if (now - lastWrite > timeoutNanos / 4 && writing.tryLock()) {
                try {
                    writeFrame(PING, new byte[0]);
                } finally {
                    writing.unlock();
                }
            }
        }

        /** Why the leader ended the stream: the reason of its refusal if it sent one. */
        private String endOf(byte[] received) {
            if (!answered) {
                return "n" + leader + " at " + address + " closed the stream of runs unanswered: it does not take"
                        + " runs on its link (an earlier version?); they go over gRPC until the leader changes";
            }
            try {
                Frame frame = ReplicationLink.readFrame(new DataInputStream(new ByteArrayInputStream(received)));
                if (frame.type() == REFUSAL) {
                    return new String(frame.body(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                // not a whole frame: no refusal
            }
            log.debug("n{} ended the stream of runs after {} bytes", leader, received.length);
            return "n" + leader + " ended the stream of runs";
        }
    }
}
