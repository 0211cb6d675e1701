package io.canopy.testcluster.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A TCP relay for fault injection: every {@link Link} listens on one loopback address and forwards each
 * connection it accepts to one upstream address, until the test {@linkplain Link#cut() cuts} it.
 *
 * <p>Why a relay of our own rather than a firewall: tests run unprivileged, on one machine, with every node on
 * 127.0.0.0/8, so the only place where traffic between two node processes can be stopped is a process in the
 * middle. What a cut link does is chosen to look like a partitioned network rather than like a crashed peer:
 * <ul>
 *   <li>Connections that were relaying are <em>blackholed</em>: the relay stops reading from both sockets and
 *       writes nothing more (bytes it had read but not yet written are held back). No FIN and no RST reaches
 *       either side; once the kernel buffers fill, senders block, as they do when packets are dropped.</li>
 *   <li>New connections are accepted (the relay's own loopback handshake cannot be suppressed) but <em>held</em>:
 *       nothing is read from them and no upstream connection is made, so a client sees a connection that never
 *       answers, as a SYN lost in a partition looks to an application with no connect timeout.</li>
 * </ul>
 * When the link heals:
 * <ul>
 *   <li>Blackholed connections are <em>reset</em> (RST to both sides). A real TCP connection could survive a
 *       short partition, but its retransmission timer would by then have backed off to tens of seconds;
 *       resetting makes the peers reconnect at once, so a healed cluster recovers in the time the test can
 *       afford, and no byte from before the cut is delivered after it.</li>
 *   <li>Held connections are relayed from then on: nothing was read from them, so they behave as a connection
 *       whose SYN got through late. (Resetting them instead would push gRPC into its reconnect back-off.)</li>
 * </ul>
 *
 * <p>Resources are bounded: one selector thread serves every link of a relay, each connection owns two
 * {@value #BUFFER_BYTES}-byte buffers, and a link keeps at most {@value #MAX_CONNECTIONS_PER_LINK} connections
 * (one more is reset on accept). {@link #close()} closes every socket and listener and ends the thread, so the
 * ports can be bound again at once.
 *
 * <p>Thread safety: every public method may be called from any thread; state changes run on the selector thread
 * and have taken effect when the call returns.
 */
public final class TcpRelay implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TcpRelay.class.getName());

    /** Per direction of one connection: large enough for gRPC's frames without many selector rounds. */
    static final int BUFFER_BYTES = 64 * 1024;
    /** Far above what Ratis opens between two peers (a handful of gRPC channels), far below any fd limit. */
    static final int MAX_CONNECTIONS_PER_LINK = 64;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Touched by the selector thread only. */
    private final List<Link> links = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Starts the selector thread; no link exists yet.
     *
     * @param name names the thread and the log lines
     */
    public TcpRelay(String name) {
        this.name = Objects.requireNonNull(name, "name");
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for relay " + name, e);
        }
        this.thread = new Thread(this::run, "tcp-relay-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Listens on {@code listen} and relays every accepted connection to {@code upstream}. The link starts open.
     *
     * @param linkName a name for log lines and errors, e.g. {@code 1->2}
     * @throws UncheckedIOException if {@code listen} cannot be bound
     */
    public Link open(String linkName, InetSocketAddress listen, InetSocketAddress upstream) {
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(listen, 128);
            server.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException("relay " + name + ": cannot listen on " + listen + " for link " + linkName, e);
        }
        Link link = new Link(linkName, server, upstream);
        try {
            onSelectorThread(() -> {
                link.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT, link);
                links.add(link);
            });
        } catch (RuntimeException e) {
            closeQuietly(server);
            throw e;
        }
        return link;
    }

    /** Closes every listener and connection (connections are reset) and stops the thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CALL_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "relay " + name;
    }

    // ------------------------------------------------------------------------------------------ selector thread

    private void run() {
        try {
            while (!closed) {
                selector.select(1000);
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "relay " + name + " stopped", e);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "relay " + name + " stopped", e);
            throw e;
        } finally {
            closed = true;
            for (Link link : links) {
                link.shutDown();
            }
            links.clear();
            closeQuietly(selector);
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();   // each fails its caller's future: the relay is closed
            }
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.attachment() instanceof Link link) {
            if (key.isAcceptable()) {
                link.acceptAll();
            }
            return;
        }
        Connection connection = (Connection) key.attachment();
        try {
            if (key.isConnectable()) {
                connection.finishConnect();
            } else {
                if (key.isReadable()) {
                    connection.read(key.channel() == connection.down);
                }
                if (key.isValid() && key.isWritable()) {
                    connection.flushTowards(key.channel() == connection.down);
                }
            }
            connection.update();
        } catch (IOException e) {
            connection.reset();   // a broken side breaks the other: the peer learns as it would without a relay
        }
    }

    /** Runs {@code task} on the selector thread and waits for it, so its effect is visible on return. */
    private void onSelectorThread(IoTask task) {
        if (Thread.currentThread() == thread) {
            runUnchecked(task);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        tasks.add(() -> {
            if (closed) {
                done.completeExceptionally(new IllegalStateException(this + " is closed"));
                return;
            }
            try {
                runUnchecked(task);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        selector.wakeup();
        try {
            done.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + this, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(this + " did not run a task within " + CALL_TIMEOUT, e);
        }
    }

    private static void runUnchecked(IoTask task) {
        try {
            task.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface IoTask {
        void run() throws IOException;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Tearing down: nothing more to do with it.
        }
    }

    /** Closes with RST rather than FIN: SO_LINGER 0 aborts the connection. */
    private static void resetQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            if (channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // Not connected (yet): a plain close is all there is.
        }
        closeQuietly(channel);
    }

    // ------------------------------------------------------------------------------------------------- links

    /**
     * One directed link of a relay: a listener and the connections accepted through it. Open links relay; cut
     * links blackhole (see {@link TcpRelay}). Counters may be read from any thread.
     */
    public final class Link {
        private final String linkName;
        private final ServerSocketChannel server;
        private final InetSocketAddress listenAddress;
        private final InetSocketAddress upstream;
        /** Selector thread only. */
        private final List<Connection> connections = new ArrayList<>();
        private SelectionKey acceptKey;
        private volatile boolean cut;
        private volatile long accepted;
        private volatile long bytesForwarded;
        private volatile int open;

        private Link(String linkName, ServerSocketChannel server, InetSocketAddress upstream) {
            this.linkName = linkName;
            this.server = server;
            this.upstream = upstream;
            try {
                this.listenAddress = (InetSocketAddress) server.getLocalAddress();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Blackholes the link: relaying connections stop moving bytes in both directions, new connections are
         * held. Takes effect before the call returns. Cutting a cut link changes nothing.
         */
        public void cut() {
            onSelectorThread(() -> {
                if (cut) {
                    return;
                }
                cut = true;
                for (Connection c : List.copyOf(connections)) {
                    c.update();   // interest in nothing: no byte moves from now on
                }
            });
        }

        /**
         * Opens the link again: connections blackholed by the cut are reset, held ones start relaying, new ones
         * relay. Healing an open link changes nothing.
         */
        public void heal() {
            onSelectorThread(() -> {
                if (!cut) {
                    return;
                }
                cut = false;
                for (Connection c : List.copyOf(connections)) {
                    if (c.up == null) {
                        c.connectUpstream();
                    } else {
                        c.reset();
                    }
                }
            });
        }

        /** Whether the link is cut. */
        public boolean isCut() {
            return cut;
        }

        /** The address and port this link listens on. */
        public InetSocketAddress listenAddress() {
            return listenAddress;
        }

        /** Where this link forwards to. */
        public InetSocketAddress upstream() {
            return upstream;
        }

        /** Connections accepted since the link was opened (held and refused ones included). */
        public long acceptedConnections() {
            return accepted;
        }

        /** Connections that are relaying, blackholed or held right now. */
        public int openConnections() {
            return open;
        }

        /** Bytes written to either side since the link was opened: what actually crossed the link. */
        public long bytesForwarded() {
            return bytesForwarded;
        }

        public String name() {
            return linkName;
        }

        @Override
        public String toString() {
            return "link " + linkName + " " + listenAddress + " -> " + upstream + (cut ? " (cut)" : "")
                    + ", " + open + " connections, " + bytesForwarded + " bytes";
        }

        private void acceptAll() {
            while (true) {
                SocketChannel down;
                try {
                    down = server.accept();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: accept failed: {1}", this, e);
                    return;
                }
                if (down == null) {
                    return;
                }
                accepted++;
                if (connections.size() >= MAX_CONNECTIONS_PER_LINK) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: more than {1} connections; resetting a new one",
                            this, MAX_CONNECTIONS_PER_LINK);
                    resetQuietly(down);
                    continue;
                }
                Connection c = new Connection(this, down);
                try {
                    down.configureBlocking(false);
                    down.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.downKey = down.register(selector, 0, c);
                } catch (IOException e) {
                    resetQuietly(down);
                    continue;
                }
                connections.add(c);
                open = connections.size();
                if (!cut) {
                    c.connectUpstream();
                }
            }
        }

        private void removed(Connection c) {
            connections.remove(c);
            open = connections.size();
        }

        /** Selector thread: at relay close. */
        private void shutDown() {
            for (Connection c : List.copyOf(connections)) {
                c.reset();
            }
            if (acceptKey != null) {
                acceptKey.cancel();
            }
            closeQuietly(server);
        }
    }

    // ------------------------------------------------------------------------------------------- connections

    /**
     * One accepted connection and, once made, its upstream connection. Buffers stay in fill mode: bytes read from
     * one side wait between 0 and position until written to the other. Selector thread only.
     */
    private final class Connection {
        final Link link;
        final SocketChannel down;
        SocketChannel up;
        SelectionKey downKey;
        SelectionKey upKey;
        boolean connecting;
        final ByteBuffer towardsUp = ByteBuffer.allocate(BUFFER_BYTES);
        final ByteBuffer towardsDown = ByteBuffer.allocate(BUFFER_BYTES);
        boolean downEnded;   // read EOF from down
        boolean upEnded;     // read EOF from up
        boolean upShut;      // FIN passed on to up
        boolean downShut;    // FIN passed on to down
        boolean finished;

        Connection(Link link, SocketChannel down) {
            this.link = link;
            this.down = down;
        }

        void connectUpstream() {
            try {
                up = SocketChannel.open();
                up.configureBlocking(false);
                up.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connecting = !up.connect(link.upstream);
                upKey = up.register(selector, 0, this);
                update();
            } catch (IOException e) {
                reset();   // the upstream refuses: the client is refused as well
            }
        }

        void finishConnect() throws IOException {
            if (up.finishConnect()) {
                connecting = false;
            }
        }

        /** Reads what one side sent into the buffer towards the other, then tries to pass it on at once. */
        void read(boolean fromDown) throws IOException {
            if (link.cut) {
                return;
            }
            SocketChannel from = fromDown ? down : up;
            ByteBuffer buffer = fromDown ? towardsUp : towardsDown;
            int n = from.read(buffer);
            if (n < 0) {
                if (fromDown) {
                    downEnded = true;
                } else {
                    upEnded = true;
                }
            }
            flushTowards(!fromDown);
        }

        /** Writes what is buffered towards {@code down} (or up), unless the link is cut. */
        void flushTowards(boolean towardsDownSide) throws IOException {
            if (link.cut || connecting || up == null) {
                return;
            }
            SocketChannel to = towardsDownSide ? down : up;
            ByteBuffer buffer = towardsDownSide ? towardsDown : towardsUp;
            if (buffer.position() == 0) {
                return;
            }
            buffer.flip();
            int n = to.write(buffer);
            buffer.compact();
            link.bytesForwarded += n;
        }

        /** Passes end-of-stream on, closes when both directions ended, and sets what the selector waits for. */
        void update() {
            if (finished) {
                return;
            }
            try {
                if (!link.cut && up != null && !connecting) {
                    if (downEnded && towardsUp.position() == 0 && !upShut) {
                        up.shutdownOutput();
                        upShut = true;
                    }
                    if (upEnded && towardsDown.position() == 0 && !downShut) {
                        down.shutdownOutput();
                        downShut = true;
                    }
                    if (upShut && downShut) {
                        finish(false);
                        return;
                    }
                }
                downKey.interestOps(interestOfDown());
                if (upKey != null) {
                    upKey.interestOps(interestOfUp());
                }
            } catch (IOException e) {
                reset();
            }
        }

        private int interestOfDown() {
            if (link.cut || up == null || connecting) {
                return 0;
            }
            int ops = 0;
            if (!downEnded && towardsUp.hasRemaining()) {
                ops |= SelectionKey.OP_READ;
            }
            if (towardsDown.position() > 0) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        }

        private int interestOfUp() {
            if (connecting) {
                return SelectionKey.OP_CONNECT;   // completing the connect moves no byte: harmless while cut
            }
            if (link.cut) {
                return 0;
            }
            int ops = 0;
            if (!upEnded && towardsDown.hasRemaining()) {
                ops |= SelectionKey.OP_READ;
            }
            if (towardsUp.position() > 0) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        }

        void reset() {
            finish(true);
        }

        private void finish(boolean abort) {
            if (finished) {
                return;
            }
            finished = true;
            if (abort) {
                resetQuietly(down);
                resetQuietly(up);
            } else {
                closeQuietly(down);
                closeQuietly(up);
            }
            link.removed(this);
        }
    }
}
