package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/**
 * The server under test, as the conformance suite sees it: only an address to connect the official client to,
 * plus a few facts and hooks that the wire protocol cannot reveal. Binding the suite to a new server means
 * implementing this interface and one tiny subclass per abstract conformance test.
 *
 * <p>The suite never assumes a particular implementation: everything it checks goes through the ZooKeeper
 * 3.9.5 Java client and Curator 5.9.0, so the same tests validate themselves against Apache ZooKeeper.
 */
public interface CoordinatorTarget {

    /**
     * A connect string for the official client, e.g. {@code 127.0.0.1:2181}. Name ONE server: tests check that
     * one client sees another client's completed write, which ZooKeeper guarantees only on the same server (or
     * after a sync); several hosts would make those checks depend on which server each client picked.
     */
    String connectString();

    /**
     * One client address of the target, for tests that must talk raw TCP (four-letter words) or put a proxy in
     * front of a single server so that they can cut the connection without expiring the session.
     */
    InetSocketAddress clientAddress();

    /** The server's lower bound for negotiated session timeouts (ZooKeeper: minSessionTimeout). */
    int minSessionTimeoutMs();

    /** The server's upper bound for negotiated session timeouts (ZooKeeper: maxSessionTimeout). */
    int maxSessionTimeoutMs();

    /** The user and password of the super digest configured on the target, as {@code "super:secret"}. */
    String superUserCredentials();

    /**
     * Ends {@code zk}'s session on the server as if it had timed out, without waiting for the timeout.
     *
     * <p>Default (the Curator test-kit way): connect a second client with the same session id and password and
     * close it; closing sends closeSession, which removes the session and its ephemerals on the server. The
     * original client learns it on its next contact with the server, as {@code Expired}.
     */
    default void expireSession(ZooKeeper zk) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(connectString(), zk.getSessionTimeout(), event -> {
            if (event.getState() == KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, zk.getSessionId(), zk.getSessionPasswd());
        try {
            Duration wait = Timing.scaled(Duration.ofSeconds(10));
            if (!connected.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("twin client did not connect within " + wait);
            }
        } finally {
            twin.close();
        }
    }
}
