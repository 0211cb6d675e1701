package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.CreateRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canopy.core.SessionInfo;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants;

/** Session establishment, resumption, expiry and close over the wire. */
class SessionTest {
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
    void aClientCanResumeItsSessionOnANewConnection() throws Exception {
        ZooKeeper zk = server.client(4000, null);
        try {
            zk.create("/resume", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            try (RawClient raw = new RawClient(server.port())) {
                ConnectResponse r = raw.connect(zk.getSessionId(), zk.getSessionPasswd(), 4000, 0);
                assertThat(r.getSessionId()).isEqualTo(zk.getSessionId());
                assertThat(r.getTimeOut()).isEqualTo(4000);
                assertThat(r.getPasswd()).isEqualTo(zk.getSessionPasswd());
            }
            // The official client lost its connection to the newer one and resumes the same session again.
            await().atMost(Timing.seconds(10)).ignoreExceptions()
                    .until(() -> zk.exists("/resume", false) != null);
            assertThat(server.service.sessions()).extracting(SessionInfo::sessionId).contains(zk.getSessionId());
        } finally {
            zk.close();
        }
    }

    @Test
    void aWrongPasswordOrUnknownSessionIsAnsweredAsExpired() throws Exception {
        ZooKeeper zk = server.client();
        try {
            byte[] wrong = zk.getSessionPasswd().clone();
            wrong[0] ^= 1;
            try (RawClient raw = new RawClient(server.port())) {
                ConnectResponse r = raw.connect(zk.getSessionId(), wrong, 4000, 0);
                assertThat(r.getSessionId()).isZero();
                assertThat(r.getTimeOut()).isZero();
                assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
            }
            try (RawClient raw = new RawClient(server.port())) {
                assertThat(raw.connect(0x0123456789L, new byte[16], 4000, 0).getSessionId()).isZero();
            }
            List<WatchedEvent> events = new CopyOnWriteArrayList<>();
            ZooKeeper impostor = new ZooKeeper(server.connectString(), 4000, events::add, zk.getSessionId(), wrong);
            try {
                await().atMost(Timing.seconds(10)).until(() -> events.stream()
                        .anyMatch(e -> e.getState() == Watcher.Event.KeeperState.Expired));
            } finally {
                impostor.close();
            }
            assertThat(zk.exists("/", false)).isNotNull(); // the real owner is unaffected
        } finally {
            zk.close();
        }
    }

    @Test
    void negotiatesTheTimeoutWithinTheConfiguredBounds() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            assertThat(raw.connect(10).getTimeOut()).isEqualTo(200);
        }
        try (RawClient raw = new RawClient(server.port())) {
            assertThat(raw.connect(600_000).getTimeOut()).isEqualTo(10_000);
        }
    }

    @Test
    void refusesAClientThatHasSeenANewerZxid() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendFrame(RawClient.bytes(new org.apache.zookeeper.proto.ConnectRequest(0, Long.MAX_VALUE, 4000, 0,
                    new byte[16], false), null));
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
    }

    @Test
    void anOldClientWithoutTheReadOnlyByteIsServed() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            byte[] withFlag = RawClient.bytes(new org.apache.zookeeper.proto.ConnectRequest(0, 0, 4000, 0,
                    new byte[16], false), null);
            raw.sendFrame(java.util.Arrays.copyOf(withFlag, withFlag.length - 1));
            byte[] frame = raw.readFrame();
            assertThat(java.nio.ByteBuffer.wrap(frame).getLong(8)).isNotZero();
        }
    }

    @Test
    void expiryRemovesEphemeralsAndFiresWatches() throws Exception {
        ZooKeeper observer = server.client();
        try (RawClient raw = new RawClient(server.port())) {
            ConnectResponse session = raw.connect(300);
            raw.send(1, OpCode.CREATE, new CreateRequest("/expiring", new byte[] {1}, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    ZkConstants.CreateFlags.EPHEMERAL));
            assertThat(raw.readReply().header().getErr()).isZero();
            List<WatchedEvent> events = new CopyOnWriteArrayList<>();
            assertThat(observer.exists("/expiring", events::add)).isNotNull();

            // The raw client now stays silent: no pings.
            await().atMost(Timing.seconds(10)).until(() -> events.stream()
                    .anyMatch(e -> e.getType() == Watcher.Event.EventType.NodeDeleted));
            assertThat(observer.exists("/expiring", false)).isNull();
            assertThat(server.service.sessions()).extracting(SessionInfo::sessionId)
                    .doesNotContain(session.getSessionId());
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        } finally {
            observer.close();
        }
    }

    @Test
    void aShortDisconnectDoesNotExpireTheSession() throws Exception {
        List<WatchedEvent> states = new CopyOnWriteArrayList<>();
        // The official client waits up to a second before reconnecting: the session must outlast that.
        ZooKeeper zk = server.client(3000, states::add);
        ZooKeeper observer = server.client();
        try {
            zk.create("/survivor", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            assertThat(server.service.disconnect(zk.getSessionId())).isTrue();
            await().atMost(Timing.seconds(5)).until(() -> states.stream()
                    .anyMatch(e -> e.getState() == Watcher.Event.KeeperState.Disconnected));
            // Well past the session timeout since the disconnect, the session and its ephemeral are still there.
            await().during(Timing.scaled(java.time.Duration.ofMillis(4500))).atMost(Timing.seconds(8))
                    .until(() -> observer.exists("/survivor", false) != null);
            assertThat(states).noneMatch(e -> e.getState() == Watcher.Event.KeeperState.Expired);
            assertThat(zk.exists("/survivor", false)).isNotNull();
        } finally {
            zk.close();
            observer.close();
        }
    }

    /** After a reconnect the client re-sends its auth before the requests it queued meanwhile. */
    @Test
    void requestsQueuedDuringAReconnectUseTheResentAuthentication() throws Exception {
        List<WatchedEvent> states = new CopyOnWriteArrayList<>();
        ZooKeeper zk = server.client(4000, states::add);
        try {
            zk.addAuthInfo("digest", "carol:pw".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zk.create("/carols", new byte[] {7}, ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.EPHEMERAL);
            assertThat(server.service.disconnect(zk.getSessionId())).isTrue();
            await().atMost(Timing.seconds(5)).until(() -> states.stream()
                    .anyMatch(e -> e.getState() == Watcher.Event.KeeperState.Disconnected));
            byte[] data = zk.getData("/carols", false, null); // queued by the client until it has reconnected
            assertThat(data).containsExactly(7);
        } finally {
            zk.close();
        }
    }

    @Test
    void closingTheSessionRemovesItsEphemeralsAtOnce() throws Exception {
        ZooKeeper zk = server.client();
        ZooKeeper observer = server.client();
        try {
            zk.create("/closing", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            List<WatchedEvent> events = new CopyOnWriteArrayList<>();
            observer.exists("/closing", events::add);
            long id = zk.getSessionId();
            zk.close();
            await().atMost(Timing.seconds(5)).until(() -> events.stream()
                    .anyMatch(e -> e.getType() == Watcher.Event.EventType.NodeDeleted));
            assertThat(server.service.sessions()).extracting(SessionInfo::sessionId).doesNotContain(id);
        } finally {
            observer.close();
        }
    }
}
