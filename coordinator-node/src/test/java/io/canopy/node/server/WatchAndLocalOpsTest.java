package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the node serves from its own state rather than through the log: watch registration and removal,
 * setWatches after a reconnect, multiRead, getConfig, sync, and the leader's clean-up of containers.
 */
class WatchAndLocalOpsTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void persistentRecursiveWatchesAndTheirRemoval() throws Exception {
        ZooKeeper zk = server.client();
        try {
            zk.create("/tree", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            List<WatchedEvent> events = new CopyOnWriteArrayList<>();
            Watcher watcher = events::add;
            zk.addWatch("/tree", watcher, AddWatchMode.PERSISTENT_RECURSIVE);
            zk.create("/tree/a", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.create("/tree/a/b", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            await().atMost(Timing.seconds(5)).until(() -> events.stream()
                    .anyMatch(e -> "/tree/a/b".equals(e.getPath())
                            && e.getType() == Watcher.Event.EventType.NodeCreated));
            zk.removeWatches("/tree", watcher, Watcher.WatcherType.Any, false);
            assertThatThrownBy(() -> zk.removeWatches("/tree", watcher, Watcher.WatcherType.Any, false))
                    .isInstanceOf(KeeperException.NoWatcherException.class);
            // Checking on the server (local=false) for a watch the client never set: NOWATCHER from the server.
            assertThatThrownBy(() -> zk.removeAllWatches("/nowhere", Watcher.WatcherType.Data, false))
                    .isInstanceOf(KeeperException.NoWatcherException.class);
        } finally {
            zk.close();
        }
    }

    @Test
    void watchesAreReRegisteredAfterAReconnectAndMissedChangesFire() throws Exception {
        List<WatchedEvent> events = new CopyOnWriteArrayList<>();
        ZooKeeper zk = server.client(4000, null);
        ZooKeeper writer = server.client();
        try {
            writer.create("/rewatch", "0".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            zk.getData("/rewatch", events::add, null);
            List<WatchedEvent> states = new CopyOnWriteArrayList<>();
            zk.register(states::add);
            assertThat(server.service.disconnect(zk.getSessionId())).isTrue();
            await().atMost(Timing.seconds(5)).until(() -> states.stream()
                    .anyMatch(e -> e.getState() == Watcher.Event.KeeperState.Disconnected));
            writer.setData("/rewatch", "1".getBytes(StandardCharsets.UTF_8), -1);
            // On reconnect the client sends setWatches with the last zxid it saw: the change it missed fires.
            await().atMost(Timing.seconds(10)).until(() -> events.stream()
                    .anyMatch(e -> e.getType() == Watcher.Event.EventType.NodeDataChanged));
        } finally {
            zk.close();
            writer.close();
        }
    }

    @Test
    void multiReadAndGetConfigAndWhoAmI() throws Exception {
        ZooKeeper zk = server.client();
        try {
            zk.create("/mr", "x".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            List<OpResult> results = zk.multi(List.of(Op.getData("/mr"), Op.getChildren("/")));
            assertThat(results).hasSize(2);
            assertThat(((OpResult.GetDataResult) results.get(0)).getData()).isEqualTo("x".getBytes(
                    StandardCharsets.UTF_8));
            assertThat(((OpResult.GetChildrenResult) results.get(1)).getChildren()).contains("mr", "zookeeper");
            Stat stat = new Stat();
            assertThat(zk.getConfig(false, stat)).isNotNull();
            assertThat(zk.whoAmI()).anyMatch(c -> c.getAuthScheme().equals("ip"));
        } finally {
            zk.close();
        }
    }

    @Test
    void theLeaderReapsEmptyContainers() throws Exception {
        ZooKeeper zk = server.client();
        try {
            zk.create("/box", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
            zk.create("/box/item", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            zk.delete("/box/item", -1);
            await().atMost(Timing.seconds(10)).until(() -> zk.exists("/box", false) == null);
        } finally {
            zk.close();
        }
    }
}
