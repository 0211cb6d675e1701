package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Loopback addresses and free ports for test nodes. Only 127.0.0.0/8 is ever used. A port is free when this
 * class could bind it a moment ago; nothing reserves it afterwards, which is good enough on a test machine whose
 * ephemeral ports are handed out in a wide range. One instance never hands out the same port of one address twice,
 * so the ports of a cluster are distinct even if the kernel offers a port again.
 */
public final class LoopbackPorts {
    /** The address of a standalone node, and of every cluster node where 127.0.0.x aliases cannot be bound. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Node {@code i} of a cluster binds to 127.0.0.(FIRST_NODE_OCTET + i). */
    static final int FIRST_NODE_OCTET = 10;

    private final Map<String, Set<Integer>> handedOut = new HashMap<>();

    /** A port of {@code host} that nothing listened on when this method returned. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a port on " + host, e);
        }
    }

    /**
     * The address of node {@code nodeId} of a cluster: 127.0.0.(10 + id), so that every node has its own address
     * as on separate machines, or {@link #DEFAULT_HOST} if this machine cannot bind that address.
     */
    public static String hostForNode(int nodeId) {
        if (nodeId < 1 || FIRST_NODE_OCTET + nodeId > 254) {
            throw new IllegalArgumentException("node id " + nodeId + " out of range 1.." + (254 - FIRST_NODE_OCTET));
        }
        String host = "127.0.0." + (FIRST_NODE_OCTET + nodeId);
        return canBind(host) ? host : DEFAULT_HOST;
    }

    /** Whether a listening socket can be bound to {@code host} on this machine. */
    static boolean canBind(String host) {
        try (ServerSocket ignored = new ServerSocket(0, 1, loopback(host))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code port} of {@code host} could be bound a moment ago (nothing listens on it there). */
    static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);   // as the relays bind: a connection in TIME_WAIT does not hold the port
            socket.bind(new InetSocketAddress(loopback(host), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A free port of {@code host} that this instance has not handed out before. */
    public int next(String host) {
        return next(host, port -> true);
    }

    /**
     * A free port of {@code host} that this instance has not handed out before and that {@code alsoFree}
     * accepts, e.g. because the same port is free on other addresses that will listen on it too.
     */
    public synchronized int next(String host, IntPredicate alsoFree) {
        Set<Integer> used = handedOut.computeIfAbsent(host, h -> new HashSet<>());
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort(host);
            if (!used.contains(port) && alsoFree.test(port)) {
                used.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no new free port on " + host + " after 100 attempts");
    }

    private static InetAddress loopback(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!(address instanceof Inet4Address) || !address.isLoopbackAddress()) {
                throw new IllegalArgumentException(host + " is not a loopback address: test nodes bind to 127.0.0.0/8 only");
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + host, e);
        }
    }
}
