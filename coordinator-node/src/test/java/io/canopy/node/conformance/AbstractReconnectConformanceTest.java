package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens across a lost connection, cut with a {@link TcpProxy} in front of one server: the session and
 * its ephemerals survive a disconnect shorter than the timeout, watches are re-registered on reconnect
 * (setWatches) and fire for what changed meanwhile, and a longer disconnect expires the session.
 */
public abstract class AbstractReconnectConformanceTest extends ConformanceTestBase {

    private TcpProxy proxy;
    private EventRecorder state;

    @BeforeEach
    void startProxy() throws Exception {
        proxy = closeLater(new TcpProxy(target().clientAddress()));
        state = new EventRecorder();
    }

    private ZooKeeper connectThroughProxy(int sessionTimeoutMs) throws Exception {
        return connect(proxy.connectString(), sessionTimeoutMs, state);
    }

    @Test
    void shortDisconnectKeepsTheSessionAndItsEphemerals() throws Exception {
        ZooKeeper client = connectThroughProxy(SESSION_TIMEOUT_MS);
        long session = client.getSessionId();
        client.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        proxy.cutAndBlock();
        state.awaitState(KeeperState.Disconnected, Timing.seconds(10));
        assertThat(codeOf(() -> client.exists(root, false))).isEqualTo(Code.CONNECTIONLOSS);
        assertThat(stat(path("e")).getEphemeralOwner()).isEqualTo(session);

        proxy.unblock();
        state.awaitState(KeeperState.SyncConnected, Timing.seconds(20));
        assertThat(client.getSessionId()).isEqualTo(session);
        assertThat(client.getEphemerals(root)).containsExactly(path("e"));
        assertThat(state.drain()).extracting(WatchedEvent::getState).doesNotContain(KeeperState.Expired);
    }

    @Test
    void watchesAreReRegisteredOnReconnectAndFireForChangesMadeMeanwhile() throws Exception {
        ZooKeeper client = connectThroughProxy(SESSION_TIMEOUT_MS);
        createNode(path("data"), "");
        createNode(path("deleted"), "");
        createNode(path("parent"), "");
        createNode(path("untouched"), "");
        EventRecorder w = new EventRecorder();
        client.getData(path("data"), w, null);
        client.getData(path("deleted"), w, null);
        client.getChildren(path("parent"), w);
        assertThat(client.exists(path("created"), w)).isNull();
        client.getData(path("untouched"), w, null);

        proxy.cutAndBlock();
        state.awaitState(KeeperState.Disconnected, Timing.seconds(10));
        admin.setData(path("data"), bytes("x"), -1);
        admin.delete(path("deleted"), -1);
        createNode(path("parent/child"), "");
        createNode(path("created"), "");
        assertThat(w.drainNodeEvents()).as("nothing reaches a disconnected client").isEmpty();
        proxy.unblock();
        state.awaitState(KeeperState.SyncConnected, Timing.seconds(20));

        List<WatchedEvent> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(w.nextNodeEvent());
        }
        assertThat(events).extracting(WatchedEvent::getType, WatchedEvent::getPath).containsExactlyInAnyOrder(
                tuple(EventType.NodeDataChanged, path("data")),
                tuple(EventType.NodeDeleted, path("deleted")),
                tuple(EventType.NodeChildrenChanged, path("parent")),
                tuple(EventType.NodeCreated, path("created")));

        // The untouched node's watch is still armed on the server.
        admin.setData(path("untouched"), bytes("x"), -1);
        w.expect(EventType.NodeDataChanged, path("untouched"));
    }

    @Test
    void persistentWatchesSurviveAReconnectButMissChangesMadeMeanwhile() throws Exception {
        ZooKeeper client = connectThroughProxy(SESSION_TIMEOUT_MS);
        createNode(path("p"), "");
        EventRecorder w = new EventRecorder();
        client.addWatch(path("p"), w, AddWatchMode.PERSISTENT_RECURSIVE);

        proxy.cutAndBlock();
        state.awaitState(KeeperState.Disconnected, Timing.seconds(10));
        createNode(path("p/missed"), "");
        proxy.unblock();
        state.awaitState(KeeperState.SyncConnected, Timing.seconds(20));

        // SyncConnected is raised when the connect response arrives; the client's setWatches request follows
        // it on the wire. A round trip of the same session (FIFO) makes sure the server has processed it.
        assertThat(client.exists(path("p"), false)).isNotNull();
        // ZooKeeper re-adds persistent watches on reconnect without replaying what happened while the client
        // was away (unlike one-shot watches, which compare the node's zxids with the client's last zxid).
        createNode(path("p/seen"), "");
        w.expect(EventType.NodeCreated, path("p/seen"));
        assertThat(w.drainNodeEvents()).isEmpty();
    }

    @Test
    void aResumedSessionTakesTheTimeoutNegotiatedAgainAndExpiresByIt() throws Exception {
        ZooKeeper first = connectThroughProxy(SESSION_TIMEOUT_MS);
        assertThat(first.getSessionTimeout()).isEqualTo(SESSION_TIMEOUT_MS);
        first.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        proxy.cutAndBlock();   // the first client cannot come back and take the session over again
        state.awaitState(KeeperState.Disconnected, Timing.seconds(10));

        // Another client resumes the session asking for the shortest timeout: the server negotiates it again and
        // answers with it (ZooKeeperServer.processConnectRequest), not with the timeout the session began with.
        TcpProxy secondProxy = closeLater(new TcpProxy(target().clientAddress()));
        EventRecorder secondState = new EventRecorder();
        int shortTimeout = target().minSessionTimeoutMs();
        ZooKeeper second = closeLater(new ZooKeeper(secondProxy.connectString(), shortTimeout, secondState,
                first.getSessionId(), first.getSessionPasswd()));
        secondState.awaitState(KeeperState.SyncConnected, Timing.seconds(20));
        assertThat(second.getSessionTimeout()).isEqualTo(shortTimeout);
        assertThat(second.getEphemerals(root)).containsExactly(path("e"));

        // And the session now expires by it: gone within seconds of losing its client, not after 30 s.
        EventRecorder others = new EventRecorder();
        admin.exists(path("e"), others);
        secondProxy.cutAndBlock();
        others.expect(EventType.NodeDeleted, path("e"));
    }

    @Test
    void disconnectLongerThanTheTimeoutExpiresTheSession() throws Exception {
        ZooKeeper client = connectThroughProxy(target().minSessionTimeoutMs());
        client.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        EventRecorder others = new EventRecorder();
        admin.exists(path("e"), others);

        proxy.cutAndBlock();
        others.expect(EventType.NodeDeleted, path("e"));
        proxy.unblock();
        state.awaitState(KeeperState.Expired, Timing.seconds(20));
        assertThat(codeOf(() -> client.exists(root, false))).isEqualTo(Code.SESSIONEXPIRED);
    }
}
