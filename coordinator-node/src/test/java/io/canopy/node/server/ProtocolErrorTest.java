package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.proto.AuthPacket;
import org.apache.zookeeper.proto.GetDataRequest;
import org.apache.zookeeper.proto.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.protocol.ErrorCode;
import io.canopy.protocol.OpCode;

/** Bad input gets ZooKeeper's error or a closed connection, and changes nothing. */
class ProtocolErrorTest {
    /** A fresh server per test, so that no other session's expiry moves the zxid during a comparison. */
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private record Snapshot(long zxid, long nodes, int sessions) {
    }

    private Snapshot snapshot() {
        ServerStatus s = server.service.status();
        return new Snapshot(s.lastZxid(), s.nodeCount(), s.sessionCount());
    }

    private static byte[] lengthThen(int length, int extraBytes) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(length);
        out.write(new byte[extraBytes]);
        return bytes.toByteArray();
    }

    private void assertStillServes() throws Exception {
        ZooKeeper zk = server.client();
        try {
            assertThat(zk.exists("/", false)).isNotNull();
        } finally {
            zk.close();
        }
    }

    @Test
    void aFrameOverTheLimitClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            Snapshot before = snapshot();
            raw.sendRaw(lengthThen(1024 * 1024 + 1, 64));
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
            assertThat(snapshot()).isEqualTo(before);
        }
        assertStillServes();
    }

    @Test
    void aNegativeLengthClosesTheConnectionEvenBeforeTheHandshake() throws Exception {
        Snapshot before = snapshot();
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendRaw(lengthThen(-5, 16));
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
        assertThat(snapshot()).isEqualTo(before);
        assertStillServes();
    }

    @Test
    void aGarbageHandshakeOrBodyClosesTheConnection() throws Exception {
        Snapshot before = snapshot();
        try (RawClient raw = new RawClient(server.port())) {
            raw.sendFrame(new byte[] {1, 2, 3});
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
        assertThat(snapshot()).isEqualTo(before);
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            Snapshot connected = snapshot();
            byte[] header = RawClient.bytes(new RequestHeader(1, OpCode.CREATE), null);
            byte[] garbage = "not a create request".getBytes(StandardCharsets.UTF_8);
            byte[] frame = new byte[header.length + garbage.length];
            System.arraycopy(header, 0, frame, 0, header.length);
            System.arraycopy(garbage, 0, frame, header.length, garbage.length);
            raw.sendFrame(frame);
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
            assertThat(snapshot()).isEqualTo(connected);
        }
        assertStillServes();
    }

    @Test
    void anUnknownOpcodeIsAnsweredUnimplementedAndNothingChanges() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            Snapshot before = snapshot();
            raw.send(7, 999, new GetDataRequest("/", false));
            RawClient.Reply reply = raw.readReply();
            assertThat(reply.header().getXid()).isEqualTo(7);
            assertThat(reply.header().getErr()).isEqualTo(ErrorCode.UNIMPLEMENTED.code());
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue(); // as ZooKeeper's UnimplementedRequestProcessor
            assertThat(snapshot()).isEqualTo(before);
        }
    }

    @Test
    void aFailedAuthenticationIsAnsweredAuthFailedAndCloses() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            raw.send(-4, OpCode.AUTH, new AuthPacket(0, "kerberos-ish", new byte[] {1}));
            RawClient.Reply reply = raw.readReply();
            assertThat(reply.header().getXid()).isEqualTo(-4);
            assertThat(reply.header().getErr()).isEqualTo(ErrorCode.AUTHFAILED.code());
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
    }

    @Test
    void saslWithoutASaslServerFailsAuthenticationAndCloses() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.connect(10_000);
            raw.send(3, OpCode.SASL, new org.apache.zookeeper.proto.GetSASLRequest(new byte[] {1, 2}));
            RawClient.Reply reply = raw.readReply();
            assertThat(reply.header().getXid()).isEqualTo(3);
            assertThat(reply.header().getErr()).isEqualTo(ErrorCode.AUTHFAILED.code());
            assertThat(raw.closedByServer(Timing.seconds(5))).isTrue();
        }
    }

    @Test
    void digestAuthenticationSucceeds() throws Exception {
        ZooKeeper zk = server.client();
        try {
            zk.addAuthInfo("digest", "alice:secret".getBytes(StandardCharsets.UTF_8));
            assertThat(zk.whoAmI()).anyMatch(c -> c.getAuthScheme().equals("digest") && c.getUser().equals("alice"));
            zk.create("/alice-only", new byte[0], ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.EPHEMERAL);
            assertThat(zk.getData("/alice-only", false, null)).isEmpty();
        } finally {
            zk.close();
        }
    }

    @Test
    void anUncommittableWriteLooksLikeALostConnection() throws Exception {
        ZooKeeper zk = server.client();
        try {
            server.log.failProposals(true);
            assertThatThrownBy(() -> zk.create("/never", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT)).isInstanceOf(KeeperException.ConnectionLossException.class);
            server.log.failProposals(false);
            org.awaitility.Awaitility.await().atMost(Timing.seconds(10)).ignoreExceptions()
                    .until(() -> zk.exists("/", false) != null);
            assertThat(zk.exists("/never", false)).isNull();
        } finally {
            server.log.failProposals(false);
            zk.close();
        }
    }
}
