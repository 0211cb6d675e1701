package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;

/**
 * Loopback addresses and free ports for test nodes. Only 127.0.0.0/8 is ever used. A port is free when this
 * class could bind it a moment ago; nothing reserves it afterwards. Ports are drawn at random from below the
 * kernel's ephemeral range, from which every outgoing connection takes its local port: a port picked inside it
 * (as {@code new ServerSocket(0)} does) can be taken by any client connection before the node binds it, seconds
 * later, and Ratis then ends the whole JVM ("Terminating with exit status 1: Failed to start Grpc server"),
 * which crashed a surefire fork of the conformance tests. One instance never hands out the same port of one
 * address twice, so the ports of a cluster are distinct.
 */
public final class LoopbackPorts {
    /** The address of a standalone node, and of every cluster node where 127.0.0.x aliases cannot be bound. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Node {@code i} of a cluster binds to 127.0.0.(FIRST_NODE_OCTET + i). */
    static final int FIRST_NODE_OCTET = 10;

    private final Map<String, Set<Integer>> handedOut = new HashMap<>();

    /** Where ports are drawn from when the ephemeral range cannot be read (Linux's default starts at 32768). */
    static final int LOWEST_PORT = 10_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** A port of {@link #DEFAULT_HOST}, as {@link #freePort(String)}. */
    public static int freePort() {
        return freePort(DEFAULT_HOST);
    }

    /**
     * A port of {@code host} that nothing listened on when this method returned, below the ephemeral range so
     * that no outgoing connection can take it meanwhile (see the class comment).
     */
    public static int freePort(String host) {
        InetAddress address = loopback(host);
        int below = ephemeralLow();
        if (below - LOWEST_PORT >= 1_000) {
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = LOWEST_PORT + ThreadLocalRandom.current().nextInt(below - LOWEST_PORT);
                if (isFree(address, port)) {
                    return port;
                }
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a port on " + host, e);
        }
    }

    /** The first port of the kernel's ephemeral range (32768 where it cannot be read). */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
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
        return isFree(loopback(host), port);
    }

    private static boolean isFree(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);   // as the relays bind: a connection in TIME_WAIT does not hold the port
            socket.bind(new InetSocketAddress(address, port), 1);
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
