package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ClientInfo;
import org.junit.jupiter.api.Test;

/**
 * Sessions: FIFO order of one session's pipelined requests, expiry and close removing ephemerals (and firing
 * other sessions' watches), resuming a session by id and password, timeout negotiation, whoAmI.
 */
public abstract class AbstractSessionConformanceTest extends ConformanceTestBase {

    @Test
    void pipelinedRequestsOfOneSessionCompleteInSubmissionOrder() throws Exception {
        ZooKeeper client = connect();
        int groups = 500;
        List<Integer> completed = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(groups * 4);
        AsyncCallback.StringCallback created = (rc, p, ctx, name) -> record(rc, ctx, completed, failures, done);
        AsyncCallback.StatCallback statted = (rc, p, ctx, stat) -> {
            if (stat != null && stat.getVersion() != 1) {
                failures.add(p + " version " + stat.getVersion());
            }
            record(rc, ctx, completed, failures, done);
        };
        AsyncCallback.DataCallback read = (rc, p, ctx, data, stat) -> {
            if (!"v".equals(string(data))) {
                failures.add(p + " read " + string(data) + " before its own preceding write");
            }
            record(rc, ctx, completed, failures, done);
        };
        for (int g = 0; g < groups; g++) {
            String node = path("f-" + g);
            client.create(node, null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, created, 4 * g);
            client.setData(node, bytes("v"), 0, (rc, p, ctx, stat) -> record(rc, ctx, completed, failures, done),
                    4 * g + 1);
            client.getData(node, false, read, 4 * g + 2);
            client.exists(node, false, statted, 4 * g + 3);
        }
        assertThat(done.await(Timing.seconds(60).toMillis(), TimeUnit.MILLISECONDS)).as("all callbacks").isTrue();
        assertThat(failures).isEmpty();
        assertThat(completed).containsExactlyElementsOf(IntStream.range(0, groups * 4).boxed().toList());
    }

    private static void record(int rc, Object ctx, List<Integer> completed, List<String> failures,
            CountDownLatch done) {
        if (rc != Code.OK.intValue()) {
            failures.add("op " + ctx + " failed with " + Code.get(rc));
        }
        completed.add((Integer) ctx);
        done.countDown();
    }

    @Test
    void expiredSessionLosesItsEphemeralsAndOthersAreNotified() throws Exception {
        EventRecorder state = new EventRecorder();
        ZooKeeper client = connect(target().connectString(), SESSION_TIMEOUT_MS, state);
        client.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        client.create(path("s-"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
        createNode(path("kept"), "");
        EventRecorder others = new EventRecorder();
        assertThat(admin.exists(path("e"), others)).isNotNull();

        target().expireSession(client);

        others.expect(EventType.NodeDeleted, path("e"));
        syncAdmin();
        assertThat(admin.getChildren(root, false)).containsExactly("kept");
        state.awaitState(KeeperState.Expired, Timing.seconds(20));
        assertThat(codeOf(() -> client.exists(root, false))).isEqualTo(Code.SESSIONEXPIRED);
    }

    @Test
    void closingASessionRemovesItsEphemeralsAtOnce() throws Exception {
        ZooKeeper client = connect();
        client.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        EventRecorder others = new EventRecorder();
        admin.exists(path("e"), others);
        admin.getChildren(root, others);
        client.close();
        // close() returns once the server has processed closeSession; a sync orders this read after it on any
        // server of an ensemble.
        syncAdmin();
        assertThat(admin.exists(path("e"), false)).isNull();
        others.expect(EventType.NodeDeleted, path("e"));
        others.expect(EventType.NodeChildrenChanged, root);
    }

    @Test
    void sessionCanBeResumedWithItsIdAndPassword() throws Exception {
        // The first client loses its connection for good (as if its network broke); another client takes the
        // session over. Two live clients on one session would keep kicking each other off: see below.
        TcpProxy proxy = closeLater(new TcpProxy(target().clientAddress()));
        ZooKeeper first = connect(proxy.connectString(), SESSION_TIMEOUT_MS, new EventRecorder());
        assertThat(first.getSessionId()).isNotZero();
        assertThat(first.getSessionPasswd()).hasSize(16);
        first.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        proxy.cutAndBlock();

        EventRecorder state = new EventRecorder();
        ZooKeeper second = closeLater(new ZooKeeper(target().connectString(), SESSION_TIMEOUT_MS, state,
                first.getSessionId(), first.getSessionPasswd()));
        state.awaitState(KeeperState.SyncConnected, Timing.seconds(15));
        assertThat(second.getSessionId()).isEqualTo(first.getSessionId());
        assertThat(second.getEphemerals(root)).containsExactly(path("e"));
        second.create(path("e2"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        assertThat(stat(path("e2")).getEphemeralOwner()).isEqualTo(first.getSessionId());
    }

    @Test
    void wrongPasswordGetsAnExpiredSessionButTheOwnerKeepsIt() throws Exception {
        EventRecorder ownerState = new EventRecorder();
        ZooKeeper owner = connect(target().connectString(), SESSION_TIMEOUT_MS, ownerState);
        owner.create(path("e"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        byte[] wrong = owner.getSessionPasswd().clone();
        wrong[0] ^= 0x55;
        EventRecorder state = new EventRecorder();
        closeLater(new ZooKeeper(target().connectString(), SESSION_TIMEOUT_MS, state, owner.getSessionId(),
                wrong));
        state.awaitState(KeeperState.Expired, Timing.seconds(15));

        // Surprise: ZooKeeper drops the session's current connection *before* it checks the password, so the
        // owner is disconnected too; it reconnects to its session, which lives on with its ephemerals.
        await().ignoreExceptions().until(() -> owner.exists(root, false) != null);
        assertThat(owner.getEphemerals(root)).containsExactly(path("e"));
        assertThat(ownerState.drain()).extracting(org.apache.zookeeper.WatchedEvent::getState)
                .doesNotContain(KeeperState.Expired);
    }

    @Test
    void negotiatedTimeoutIsClampedToTheServerBounds() throws Exception {
        int min = target().minSessionTimeoutMs();
        int max = target().maxSessionTimeoutMs();
        // Asking for half the minimum: the client derives its own connect/read timeouts from the requested
        // value until it learns the negotiated one, so asking for 1 ms would never connect.
        ZooKeeper tooShort = connect(target().connectString(), min / 2, new EventRecorder());
        assertThat(tooShort.getSessionTimeout()).isEqualTo(min);
        ZooKeeper tooLong = connect(target().connectString(), max * 10, new EventRecorder());
        assertThat(tooLong.getSessionTimeout()).isEqualTo(max);
        int inside = (min + max) / 2;
        ZooKeeper fits = connect(target().connectString(), inside, new EventRecorder());
        assertThat(fits.getSessionTimeout()).isEqualTo(inside);
    }

    @Test
    void whoAmIListsTheConnectionsIdentities() throws Exception {
        ZooKeeper client = connect();
        assertThat(client.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ip", "127.0.0.1"));
        client.addAuthInfo("digest", bytes("alice:secret"));
        assertThat(client.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("ip", "127.0.0.1"),
                        org.assertj.core.groups.Tuple.tuple("digest", "alice"));
    }

    @Test
    void sessionsAreDistinct() throws Exception {
        ZooKeeper a = connect();
        ZooKeeper b = connect();
        assertThat(a.getSessionId()).isNotEqualTo(b.getSessionId());
        a.create(path("a"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        assertThat(b.getEphemerals(root)).isEmpty();
    }
}
