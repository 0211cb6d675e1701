package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.ExistsRequest;
import org.apache.zookeeper.proto.GetChildrenRequest;
import org.apache.zookeeper.proto.GetChildrenResponse;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.GetDataResponse;
import org.apache.zookeeper.proto.ReconfigRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.apache.zookeeper.proto.SyncRequest;
import org.apache.zookeeper.proto.WatcherEvent;
import org.apache.zookeeper.proto.ConnectResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.OpCode;
import io.canopy.testcluster.Timing;

/**
 * ZooKeeper's read-only mode ({@code readonlymode.enabled}, here {@code canopy.read-only-mode.enabled}): a node
 * that cannot serve gives clients that set readOnly a session of their own, serves their reads and watches from
 * its state, answers everything else NOTREADONLY, replicates nothing, and closes those connections once it serves
 * again. The in-memory log's serving switch stands for the loss of the leader.
 */
class ReadOnlyModeTest {
    private static final int NOTREADONLY = ErrorCode.NOTREADONLY.code();
    private TestServer server;
    private TestServer other;

    private TestServer start(boolean readOnlyMode) throws Exception {
        return TestServer.start(TestServer.settings().withReadOnlyMode(readOnlyMode), null);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (other != null) {
            other.close();
        }
    }

    @Test
    void onlyClientsThatAllowItGetAReadOnlySessionAndOnlyWhileTheNodeCannotServe() throws Exception {
        server = start(true);
        ZooKeeper zk = server.client();
        zk.create("/data", bytes("v1"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        long rwSession = zk.getSessionId();
        byte[] rwPassword = zk.getSessionPasswd();
        zk.close();

        try (RawClient raw = new RawClient(server.port())) {
            ConnectResponse serving = raw.connect(0, new byte[16], 4000, 0, true);
            assertThat(serving.getReadOnly()).as("a serving node grants a read-write session").isFalse();
        }
        assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("rw");

        server.log.serving(false);
        long zxid = server.service.lastZxid();
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendConnect(0, new byte[16], 4000, 0, false);
            assertThat(raw.closedByServer(Timing.seconds(5))).as("a client without readOnly is refused").isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendConnect(rwSession, rwPassword, 4000, 0, true);
            assertThat(raw.closedByServer(Timing.seconds(5))).as("resuming a session read-only is refused").isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendConnect(0, new byte[16], 4000, zxid + 1, true);
            assertThat(raw.closedByServer(Timing.seconds(5))).as("a client that saw a newer zxid is refused").isTrue();
        }
        try (RawClient raw = new RawClient(server.port())) {
            ConnectResponse ro = raw.connect(0, new byte[16], 4000, zxid, true);
            assertThat(ro.getReadOnly()).isTrue();
            assertThat(ro.getSessionId()).isNotZero().isNotEqualTo(rwSession);
            assertThat(ro.getTimeOut()).isEqualTo(4000);
            raw.send(1, OpCode.GET_DATA, new GetDataRequest("/data", false));
            RawClient.Reply reply = raw.readReply();
            assertThat(reply.header().getErr()).isZero();
            assertThat(reply.body(new GetDataResponse()).getData()).isEqualTo(bytes("v1"));

            // Nothing of the read-only session reached the log or the replicated session table.
            assertThat(server.service.lastZxid()).isEqualTo(zxid);
            assertThat(server.service.sessions()).noneMatch(s -> s.sessionId() == ro.getSessionId());
            assertThat(RawClient.fourLetterWord(server.port(), "dump"))
                    .doesNotContain(Long.toHexString(ro.getSessionId()));
            assertThat(RawClient.fourLetterWord(server.port(), "cons"))
                    .contains("sid=0x" + Long.toHexString(ro.getSessionId()));
        }
    }

    @Test
    void withReadOnlyModeDisabledANodeThatCannotServeRefusesReadOnlyClientsToo() throws Exception {
        server = start(false);
        server.log.serving(false);
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendConnect(0, new byte[16], 4000, 0, true);
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
        assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("null");
        assertThat(RawClient.fourLetterWord(server.port(), "srvr"))
                .isEqualTo("This ZooKeeper instance is not currently serving requests\n");
    }

    @Test
    void readsAndWatchesAreServedWhileEveryChangeAnswersNotReadOnlyInTurn() throws Exception {
        server = start(true);
        ZooKeeper zk = server.client();
        zk.create("/data", bytes("v1"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.create("/data/child", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        zk.close();
        // A session of another client (in a cluster: connected to another node); its write stands for an entry
        // committed elsewhere and applied here while this node serves read-only sessions.
        long writer = server.service.openSession(10_000).get(5, TimeUnit.SECONDS);

        server.log.serving(false);
        long zxid = server.service.lastZxid();
        Stat before = server.service.treeView().stat("/data");
        try (RawClient raw = new RawClient(server.port())) {
            assertThat(raw.connect(0, new byte[16], 4000, zxid, true).getReadOnly()).isTrue();
            // Pipelined: reads and refused changes are answered in request order.
            raw.send(1, OpCode.GET_DATA, new GetDataRequest("/data", true));
            raw.send(2, OpCode.CREATE, new CreateRequest("/new", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, 0));
            raw.send(3, OpCode.GET_CHILDREN, new GetChildrenRequest("/data", false));
            raw.send(4, OpCode.SET_DATA, new SetDataRequest("/data", bytes("v2"), -1));
            raw.send(5, OpCode.DELETE, new DeleteRequest("/data/child", -1));
            raw.send(6, OpCode.SET_ACL, new SetACLRequest("/data", ZooDefs.Ids.READ_ACL_UNSAFE, -1));
            raw.send(7, OpCode.CHECK, new CheckVersionRequest("/data", 0));
            raw.send(8, OpCode.MULTI, new MultiRequest().add(OpCode.CREATE,
                    new CreateRequest("/multi", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, 0)));
            raw.send(9, OpCode.SYNC, new SyncRequest("/data"));
            raw.send(10, OpCode.RECONFIG, new ReconfigRequest(null, null, "server.9=127.0.0.1:1:2", -1));
            raw.send(11, OpCode.EXISTS, new ExistsRequest("/data/child", false));
            raw.send(12, OpCode.PING, null);

            RawClient.Reply data = raw.readReply();
            assertThat(data.header().getXid()).isEqualTo(1);
            assertThat(data.header().getErr()).isZero();
            assertThat(data.body(new GetDataResponse()).getData()).isEqualTo(bytes("v1"));
            RawClient.Reply create = raw.readReply();
            assertThat(create.header().getXid()).isEqualTo(2);
            assertThat(create.header().getErr()).isEqualTo(NOTREADONLY);
            assertThat(create.header().getZxid()).isEqualTo(zxid);
            assertThat(create.body()).isEmpty();
            RawClient.Reply children = raw.readReply();
            assertThat(children.header().getXid()).isEqualTo(3);
            assertThat(children.body(new GetChildrenResponse()).getChildren()).containsExactly("child");
            for (int xid = 4; xid <= 10; xid++) {
                RawClient.Reply refused = raw.readReply();
                assertThat(refused.header().getXid()).isEqualTo(xid);
                assertThat(refused.header().getErr()).as("xid %d", xid).isEqualTo(NOTREADONLY);
                assertThat(refused.body()).isEmpty();
            }
            RawClient.Reply exists = raw.readReply();
            assertThat(exists.header().getXid()).isEqualTo(11);
            assertThat(exists.header().getErr()).isZero();
            assertThat(raw.readReply().header().getXid()).isEqualTo(12);

            // Nothing changed, nothing was proposed.
            assertThat(server.service.lastZxid()).isEqualTo(zxid);
            assertThat(server.service.treeView().stat("/data")).isEqualTo(before);
            assertThat(server.service.treeView().stat("/new")).isNull();
            assertThat(server.service.treeView().stat("/multi")).isNull();

            // The watch set by the read-only session fires when the node applies a change made elsewhere.
            server.service.submit(writer, OpCode.SET_DATA, new SetDataRequest("/data", bytes("v3"), -1), List.of())
                    .get(5, TimeUnit.SECONDS);
            RawClient.Reply event = raw.read();
            assertThat(event.header().getXid()).isEqualTo(-1);
            WatcherEvent fired = event.body(new WatcherEvent());
            assertThat(fired.getType()).isEqualTo(EventType.NodeDataChanged.getIntValue());
            assertThat(fired.getPath()).isEqualTo("/data");

            // closeSession ends the read-only session: answered, then the connection closes.
            raw.send(13, OpCode.CLOSE_SESSION, null);
            RawClient.Reply closed = raw.readReply();
            assertThat(closed.header().getXid()).isEqualTo(13);
            assertThat(closed.header().getErr()).isZero();
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
        assertThat(server.service.lastZxid()).as("only the other session's write").isGreaterThan(zxid);
        await().atMost(Timing.seconds(5)).until(() -> server.service.connections().isEmpty());
    }

    @Test
    void fourLetterWordsReportAReadOnlyServer() throws Exception {
        server = start(true);
        server.log.serving(false);

        assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("ro");
        assertThat(RawClient.fourLetterWord(server.port(), "ruok")).isEqualTo("imok");
        String srvr = RawClient.fourLetterWord(server.port(), "srvr");
        assertThat(srvr).contains("\nREAD-ONLY mode; serving only read-only clients\nLatency min/avg/max: ")
                .contains("Mode: read-only\n");
        assertThat(RawClient.fourLetterWord(server.port(), "stat"))
                .contains("\nREAD-ONLY mode; serving only read-only clients\nClients:\n");
        assertThat(RawClient.fourLetterWord(server.port(), "mntr")).contains("zk_server_state\tread-only\n");

        server.log.serving(true);
        assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("rw");
        assertThat(RawClient.fourLetterWord(server.port(), "srvr")).doesNotContain("READ-ONLY")
                .contains("Mode: leader\n");
    }

    @Test
    void readOnlyConnectionsCloseWhenTheNodeServesAgainWhileNormalSessionsCarryOn() throws Exception {
        server = start(true);
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        // 10 s: the node's grace before closing normal connections is a third of it, longer than the test's outage.
        ZooKeeper zk = server.client(10_000, e -> states.add(e.getState()));
        try {
            zk.create("/mine", bytes("rw"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            server.log.serving(false);
            try (RawClient raw = new RawClient(server.port())) {
                ConnectResponse ro = raw.connect(0, new byte[16], 4000, 0, true);
                assertThat(ro.getReadOnly()).isTrue();
                raw.send(1, OpCode.GET_DATA, new GetDataRequest("/mine", false));
                assertThat(raw.readReply().body(new GetDataResponse()).getData()).isEqualTo(bytes("rw"));

                server.log.serving(true);
                assertThat(raw.closedByServer(Timing.seconds(5))).as("read-only connection closed").isTrue();
                assertThat(server.service.sessions()).noneMatch(s -> s.sessionId() == ro.getSessionId());
            }
            // The normal session was never disturbed.
            zk.setData("/mine", bytes("after"), -1);
            assertThat(zk.getData("/mine", false, null)).isEqualTo(bytes("after"));
            assertThat(states).doesNotContain(KeeperState.Disconnected, KeeperState.Expired);
        } finally {
            zk.close();
        }
    }

    @Test
    void theOfficialClientReadsReadOnlyThenGetsAReadWriteSessionWhenTheNodeServesAgain() throws Exception {
        server = start(true);
        ZooKeeper writer = server.client();
        writer.create("/data", bytes("v1"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        writer.close();

        server.log.serving(false);
        List<KeeperState> states = new CopyOnWriteArrayList<>();
        ZooKeeper zk = new ZooKeeper(server.connectString(), 4000, e -> {
            if (e.getType() == EventType.None) {
                states.add(e.getState());
            }
        }, true);
        try {
            await().atMost(Timing.seconds(10)).until(() -> zk.getState() == ZooKeeper.States.CONNECTEDREADONLY);
            assertThat(states).contains(KeeperState.ConnectedReadOnly);
            long roSession = zk.getSessionId();
            assertThat(zk.getData("/data", false, null)).isEqualTo(bytes("v1"));
            assertThat(zk.getChildren("/", false)).contains("data");
            assertThatThrownBy(() -> zk.create("/new", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT)).isInstanceOf(KeeperException.NotReadOnlyException.class);
            assertThatThrownBy(() -> zk.setData("/data", bytes("v2"), -1))
                    .isInstanceOf(KeeperException.NotReadOnlyException.class);
            assertThatThrownBy(() -> zk.multi(List.of(Op.delete("/data", -1))))
                    .isInstanceOf(KeeperException.NotReadOnlyException.class);
            CompletableFuture<Integer> sync = new CompletableFuture<>();
            zk.sync("/data", (rc, path, ctx) -> sync.complete(rc), null);
            assertThat(sync.get(10, TimeUnit.SECONDS)).isEqualTo(KeeperException.Code.NOTREADONLY.intValue());
            assertThat(server.service.sessions()).noneMatch(s -> s.sessionId() == roSession);

            server.log.serving(true);
            await().atMost(Timing.seconds(20)).until(() -> zk.getState() == ZooKeeper.States.CONNECTED);
            assertThat(states).endsWith(KeeperState.SyncConnected).doesNotContain(KeeperState.Expired);
            assertThat(zk.getSessionId()).as("a new, replicated session").isNotEqualTo(roSession);
            assertThat(server.service.sessions()).anyMatch(s -> s.sessionId() == zk.getSessionId());
            zk.create("/new", bytes("written"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(zk.getData("/new", false, null)).isEqualTo(bytes("written"));
        } finally {
            zk.close();
        }
    }

    /**
     * The read-only node does not serve again, but another node does: the official client's pingRwServer asks its
     * servers "isro" while it is read-only and moves to the first that answers "rw".
     */
    @Test
    void theOfficialClientFindsAReadWriteServerByAskingIsro() throws Exception {
        server = start(true);       // will stay read-only
        other = start(false);       // refuses every client until it serves
        server.log.serving(false);
        other.log.serving(false);

        ZooKeeper zk = new ZooKeeper(server.connectString() + "," + other.connectString(), 4000, e -> { }, true);
        try {
            await().atMost(Timing.seconds(20)).until(() -> zk.getState() == ZooKeeper.States.CONNECTEDREADONLY);
            long roSession = zk.getSessionId();
            assertThat(server.service.connections()).anyMatch(c -> c.sessionId() == roSession);

            other.log.serving(true);
            // The client probes at growing intervals (100 ms doubling), alternating between its two servers.
            await().atMost(Timing.seconds(40)).until(() -> zk.getState() == ZooKeeper.States.CONNECTED);
            assertThat(other.service.sessions()).anyMatch(s -> s.sessionId() == zk.getSessionId());
            zk.create("/moved", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(other.service.treeView().stat("/moved")).isNotNull();
            // The client left on its own: the read-only node still cannot serve and closed nothing.
            assertThat(RawClient.fourLetterWord(server.port(), "isro")).isEqualTo("ro");
            await().atMost(Timing.seconds(5))
                    .until(() -> server.service.connections().stream().noneMatch(c -> c.sessionId() == roSession));
        } finally {
            zk.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
