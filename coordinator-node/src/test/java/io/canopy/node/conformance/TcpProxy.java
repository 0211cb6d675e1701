package io.canopy.node.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay in front of one server, so a test can cut a client's connection (and keep it from
 * reconnecting for a while) without the session expiring: the server only sees a dropped socket.
 *
 * <p>Plain blocking sockets, two daemon threads per relayed connection; everything binds to 127.0.0.1.
 */
public final class TcpProxy implements AutoCloseable {

    private final InetSocketAddress upstream;
    private final ServerSocket listener;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean blocked;
    private volatile boolean closed;

    /** Starts relaying 127.0.0.1:(free port) to {@code upstream}. */
    public TcpProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A connect string that reaches the upstream server through this proxy. */
    public String connectString() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /**
     * Drops every relayed connection and refuses new ones (accepts and closes them at once) until
     * {@link #unblock()}: the client sees Disconnected and keeps retrying.
     */
    public synchronized void cutAndBlock() {
        blocked = true;
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }

    /** Lets clients connect through again. */
    public void unblock() {
        blocked = false;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cutAndBlock();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                relay(client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** Synchronized with {@link #cutAndBlock()} so that no connection slips through a cut. */
    private synchronized void relay(Socket client) throws IOException {
        if (blocked) {
            closeQuietly(client);
            return;
        }
        Socket server = new Socket();
        try {
            server.connect(upstream, 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        open.add(client);
        open.add(server);
        pump(client, server);
        pump(server, client);
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // The other direction or cutAndBlock() closed the pair.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Nothing useful to do while tearing down.
        }
    }
}
