package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.WatcherType;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * One-shot watches (data, exists, child), the event each operation fires and their order, persistent and
 * persistent-recursive watches, removing watches, and ZooKeeper's guarantee that a client sees a watch event
 * before the data that fired it.
 */
public abstract class AbstractWatchConformanceTest extends ConformanceTestBase {

    /** Registers watches; another client (admin) makes the changes. */
    protected ZooKeeper watcher;

    private int markers;

    @org.junit.jupiter.api.BeforeEach
    void connectWatcher() throws Exception {
        watcher = connect();
    }

    @Test
    void dataWatchFiresOnSetDataAndOnDelete() throws Exception {
        createNode(path("n"), "");
        EventRecorder w = new EventRecorder();
        watcher.getData(path("n"), w, null);
        admin.setData(path("n"), bytes("1"), -1);
        w.expect(EventType.NodeDataChanged, path("n"));

        watcher.getData(path("n"), w, null);
        admin.delete(path("n"), -1);
        w.expect(EventType.NodeDeleted, path("n"));
        assertNoMoreEvents(w);
    }

    @Test
    void existsWatchFollowsTheNodeThroughItsLife() throws Exception {
        EventRecorder w = new EventRecorder();
        assertThat(watcher.exists(path("n"), w)).isNull();
        createNode(path("n"), "");
        w.expect(EventType.NodeCreated, path("n"));
        assertThat(watcher.exists(path("n"), w)).isNotNull();
        admin.setData(path("n"), bytes("x"), -1);
        w.expect(EventType.NodeDataChanged, path("n"));
        watcher.exists(path("n"), w);
        admin.delete(path("n"), -1);
        w.expect(EventType.NodeDeleted, path("n"));
        assertNoMoreEvents(w);
    }

    @Test
    void childWatchFiresOnChildCreateAndDeleteOnly() throws Exception {
        createNode(path("p"), "");
        createNode(path("p/a"), "");
        EventRecorder w = new EventRecorder();
        watcher.getChildren(path("p"), w);
        admin.setData(path("p/a"), bytes("x"), -1);
        admin.setData(path("p"), bytes("x"), -1);
        createNode(path("p/b"), "");
        w.expect(EventType.NodeChildrenChanged, path("p"));

        watcher.getChildren(path("p"), w);
        admin.delete(path("p/a"), -1);
        w.expect(EventType.NodeChildrenChanged, path("p"));

        admin.delete(path("p/b"), -1);
        watcher.getChildren(path("p"), w);
        admin.delete(path("p"), -1);
        w.expect(EventType.NodeDeleted, path("p"));
        assertNoMoreEvents(w);
    }

    @Test
    void failedReadsLeaveNoWatch() throws Exception {
        EventRecorder w = new EventRecorder();
        assertThat(codeOf(() -> watcher.getData(path("n"), w, null))).isEqualTo(Code.NONODE);
        assertThat(codeOf(() -> watcher.getChildren(path("n"), w))).isEqualTo(Code.NONODE);
        createNode(path("n"), "");
        createNode(path("n/c"), "");
        assertNoMoreEvents(w);
    }

    @Test
    void watchesAreOneShot() throws Exception {
        createNode(path("n"), "");
        EventRecorder w = new EventRecorder();
        watcher.getData(path("n"), w, null);
        watcher.exists(path("n"), w);
        admin.setData(path("n"), bytes("1"), -1);
        admin.setData(path("n"), bytes("2"), -1);
        admin.delete(path("n"), -1);
        w.expect(EventType.NodeDataChanged, path("n"));
        assertNoMoreEvents(w);
    }

    @Test
    void createAndDeleteFireTheNodeEventBeforeTheParentEvent() throws Exception {
        EventRecorder w = new EventRecorder();
        watcher.exists(path("n"), w);
        watcher.getChildren(root, w);
        createNode(path("n"), "");
        w.expect(EventType.NodeCreated, path("n"));
        w.expect(EventType.NodeChildrenChanged, root);

        watcher.getData(path("n"), w, null);
        watcher.getChildren(root, w);
        admin.delete(path("n"), -1);
        w.expect(EventType.NodeDeleted, path("n"));
        w.expect(EventType.NodeChildrenChanged, root);
        assertNoMoreEvents(w);
    }

    @Test
    void multiFiresTheEventsOfEveryOp() throws Exception {
        createNode(path("a"), "");
        EventRecorder w = new EventRecorder();
        watcher.getData(path("a"), w, null);
        watcher.exists(path("b"), w);
        admin.multi(List.of(org.apache.zookeeper.Op.setData(path("a"), bytes("1"), -1),
                org.apache.zookeeper.Op.create(path("b"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        w.expect(EventType.NodeDataChanged, path("a"));
        w.expect(EventType.NodeCreated, path("b"));
        assertNoMoreEvents(w);
    }

    @Test
    void watchEventArrivesBeforeTheDataThatFiredIt() throws Exception {
        createNode(path("n"), "old");
        // Everything below is recorded from the client's event thread, which runs watchers and async callbacks
        // in the order the client received them.
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        watcher.getData(path("n"), event -> seen.add("event:" + event.getType()), null);
        admin.setData(path("n"), bytes("new"), -1);
        for (int i = 0; i < 10_000 && !seen.contains("data:new"); i++) {
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            watcher.getData(path("n"), false, (rc, p, ctx, data, stat) -> {
                seen.add("data:" + string(data));
                done.countDown();
            }, null);
            assertThat(done.await(Timing.seconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
        }
        int event = seen.indexOf("event:NodeDataChanged");
        int data = seen.indexOf("data:new");
        assertThat(data).as("the client eventually reads the new value: %s", seen).isNotNegative();
        assertThat(event).as("the watch event comes before the new value: %s", seen).isBetween(0, data);
    }

    @Test
    void persistentWatchFiresRepeatedlyForTheNodeAndItsChildList() throws Exception {
        EventRecorder w = new EventRecorder();
        watcher.addWatch(path("p"), w, AddWatchMode.PERSISTENT);
        createNode(path("p"), "");
        admin.setData(path("p"), bytes("1"), -1);
        admin.setData(path("p"), bytes("2"), -1);
        createNode(path("p/c"), "");
        admin.setData(path("p/c"), bytes("x"), -1);
        admin.delete(path("p/c"), -1);
        admin.delete(path("p"), -1);
        createNode(path("p"), "");
        w.expect(EventType.NodeCreated, path("p"));
        w.expect(EventType.NodeDataChanged, path("p"));
        w.expect(EventType.NodeDataChanged, path("p"));
        w.expect(EventType.NodeChildrenChanged, path("p"));
        w.expect(EventType.NodeChildrenChanged, path("p"));
        w.expect(EventType.NodeDeleted, path("p"));
        w.expect(EventType.NodeCreated, path("p"));
        assertNoMoreEvents(w);
    }

    @Test
    void persistentRecursiveWatchSeesTheWholeSubtreeButNoChildListEvents() throws Exception {
        EventRecorder w = new EventRecorder();
        watcher.addWatch(path("p"), w, AddWatchMode.PERSISTENT_RECURSIVE);
        createNode(path("p"), "");
        createNode(path("p/a"), "");
        createNode(path("p/a/b"), "");
        admin.setData(path("p/a/b"), bytes("x"), -1);
        createNode(path("px"), "");
        admin.delete(path("p/a/b"), -1);
        w.expect(EventType.NodeCreated, path("p"));
        w.expect(EventType.NodeCreated, path("p/a"));
        w.expect(EventType.NodeCreated, path("p/a/b"));
        w.expect(EventType.NodeDataChanged, path("p/a/b"));
        w.expect(EventType.NodeDeleted, path("p/a/b"));
        assertNoMoreEvents(w);
    }

    @Test
    void removeWatchesNotifiesTheWatcherAndStopsItsEvents() throws Exception {
        // The client sends removeWatches(path, watcher, ...) as opcode checkWatches (17) and
        // removeAllWatches(path, ...) as opcode removeWatches (18); both answer NOWATCHER when nothing matches.
        createNode(path("n"), "");
        EventRecorder w = new EventRecorder();
        watcher.getData(path("n"), w, null);
        watcher.getChildren(path("n"), w);
        watcher.removeWatches(path("n"), w, WatcherType.Data, false);
        w.expect(EventType.DataWatchRemoved, path("n"));
        watcher.removeWatches(path("n"), w, WatcherType.Children, false);
        w.expect(EventType.ChildWatchRemoved, path("n"));
        admin.setData(path("n"), bytes("x"), -1);
        createNode(path("n/c"), "");
        assertNoMoreEvents(w);

        assertThat(codeOf(() -> watcher.removeWatches(path("n"), w, WatcherType.Data, false)))
                .isEqualTo(Code.NOWATCHER);
        assertThat(codeOf(() -> watcher.removeAllWatches(path("n"), WatcherType.Any, false)))
                .isEqualTo(Code.NOWATCHER);

        watcher.addWatch(path("n"), w, AddWatchMode.PERSISTENT);
        watcher.removeAllWatches(path("n"), WatcherType.Any, false);
        w.expect(EventType.PersistentWatchRemoved, path("n"));
        admin.setData(path("n"), bytes("y"), -1);
        assertNoMoreEvents(w);
    }

    @Test
    void getConfigAnswers() throws Exception {
        Stat stat = new Stat();
        byte[] config = watcher.getConfig(false, stat);
        assertThat(config).isNotNull();
        assertThat(stat.getCzxid()).isNotNegative();
    }

    /**
     * Proves that {@code w} got no further event: fires a fresh one-shot watch of the same client on a marker
     * node and waits for it. Events of one client arrive in order, so anything due to {@code w} from the
     * changes made so far would have been queued before the marker event.
     */
    protected void assertNoMoreEvents(EventRecorder w) throws Exception {
        awaitMarker(watcher);
        assertThat(w.drainNodeEvents()).as("no further events").isEmpty();
    }

    /** Waits until {@code client} has received every event due from the changes made so far. */
    protected void awaitMarker(ZooKeeper client) throws Exception {
        String marker = root + "-marker-" + (markers++);
        EventRecorder m = new EventRecorder();
        assertThat(client.exists(marker, m)).isNull();
        admin.create(marker, null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        m.expect(EventType.NodeCreated, marker);
    }
}
