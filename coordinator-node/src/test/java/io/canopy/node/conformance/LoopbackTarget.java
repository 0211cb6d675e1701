package io.canopy.node.conformance;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A target served on one 127.0.0.1 port, with its session-timeout bounds and super user: how both the ZooKeeper
 * reference and Canopy are bound.
 */
public record LoopbackTarget(int port, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                             String superUserCredentials) implements CoordinatorTarget {

    @Override
    public String connectString() {
        return "127.0.0.1:" + port;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
