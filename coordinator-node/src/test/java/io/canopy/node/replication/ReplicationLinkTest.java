package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canopy.node.replication.ReplicationSettings.Member;

/**
 * The replication link's wire format and its follower end's handling of bad input; the link carrying a real
 * cluster's appends is covered by the process-based cluster tests (PartitionIT, LeaderFailoverIT...), whose
 * members all have link ports, and ReplicationLinkIT.
 */
class ReplicationLinkTest {
    private ReplicationLink link;
    private int port;

    @BeforeEach
    void listen() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        // No Raft server: every input below is refused before a request would reach one.
        link = new ReplicationLink(null, "127.0.0.1", port, Duration.ofSeconds(5), run -> "not the leader");
    }

    @AfterEach
    void close() {
        link.close();
    }

    @Test
    void aFrameIsItsLengthItsTypeAndTheMessage() throws IOException {
        AppendEntriesReplyProto reply = AppendEntriesReplyProto.newBuilder().setTerm(7).setNextIndex(42).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ReplicationLink.writeFrame(new DataOutputStream(bytes), ReplicationLink.APPEND, reply);

        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())).readInt())
                .isEqualTo(reply.getSerializedSize() + 1);
        ReplicationLink.Frame frame = ReplicationLink.readFrame(in);
        assertThat(frame.type()).isEqualTo(ReplicationLink.APPEND);
        assertThat(AppendEntriesReplyProto.parseFrom(frame.body())).isEqualTo(reply);
    }

    @Test
    void anOversizedOrEmptyFrameIsRefusedBeforeItsBodyIsRead() {
        for (int length : new int[] {0, -1, ReplicationLink.MAX_FRAME_BYTES + 1, Integer.MAX_VALUE}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(length);
                out.writeByte(ReplicationLink.APPEND);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            assertThatThrownBy(() -> ReplicationLink.readFrame(new DataInputStream(
                    new ByteArrayInputStream(bytes.toByteArray())))).as("length %d", length)
                    .isInstanceOf(IOException.class).hasMessageContaining("frame of " + length + " bytes");
        }
    }

    @Test
    void aConnectionWithoutTheMagicOrWithABadFrameIsClosedAndTheLinkServesTheNext() throws IOException {
        assertClosedAfter(new byte[] {'r', 'u', 'o', 'k'});
        assertClosedAfter(frameAfterMagic(ReplicationLink.MAX_FRAME_BYTES + 1, (byte) 1, new byte[0]));
        assertClosedAfter(frameAfterMagic(5, (byte) 9, new byte[4]));
        assertClosedAfter(frameAfterMagic(4, ReplicationLink.APPEND, new byte[] {(byte) 0xff, (byte) 0xff, 1}));
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws IOException {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < ReplicationLink.MAX_CONNECTIONS; i++) {
                held.add(connect());
            }
            try (Socket extra = connect()) {
                assertThat(extra.getInputStream().read()).as("closed by the link").isEqualTo(-1);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void theLeaderFindsALinkInTheRaftConfigurationElseInItsOwnMemberList() {
        RaftPeer withAddress = RaftPeer.newBuilder().setId("n2").setAddress("h2:9182").setDataStreamAddress("h2:9192")
                .build();
        RaftPeer without = RaftPeer.newBuilder().setId("n3").setAddress("h3:9183").build();
        Member configured = new Member(3, "h3", 2183, 9183, ReplicationSettings.Role.PARTICIPANT, null, 9193);

        assertThat(ReplicationLink.addressOf(withAddress, List.of())).isEqualTo("h2:9192");
        assertThat(ReplicationLink.addressOf(without, List.of(configured))).as("a cluster whose log predates links")
                .isEqualTo("h3:9193");
        assertThat(ReplicationLink.addressOf(without, List.of(configured.withLink(0)))).as("no link: gRPC").isNull();
        assertThat(ReplicationLink.addressOf(without,
                List.of(new Member(3, "elsewhere", 2183, 9183, ReplicationSettings.Role.PARTICIPANT, null, 9193))))
                .as("another member under the same id").isNull();
        assertThat(ReplicationLink.portOf(withAddress)).isEqualTo(9192);
        assertThat(ReplicationLink.portOf(without)).isZero();

        Parameters parameters = new Parameters();
        ReplicationLink.setMembers(parameters, List.of(configured));
        assertThat(ReplicationLink.members(parameters)).containsExactly(configured);
        assertThat(ReplicationLink.members(new Parameters())).isEmpty();
    }

    @Test
    void aPortInUseIsReportedWithTheAddress() {
        assertThatThrownBy(() -> new ReplicationLink(null, "127.0.0.1", port, Duration.ofSeconds(5),
                run -> "not the leader"))
                .isInstanceOf(IOException.class).hasMessageContaining("replication link on 127.0.0.1:" + port);
    }

    private void assertClosedAfter(byte[] sent) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(sent);
            s.getOutputStream().flush();
            assertThat(drain(s.getInputStream())).as("nothing answered, connection closed").isZero();
        }
    }

    private static byte[] frameAfterMagic(int length, byte type, byte[] body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(ReplicationLink.MAGIC);
        out.writeInt(length);
        out.writeByte(type);
        out.write(body);
        return bytes.toByteArray();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        s.setSoTimeout(5_000);
        return s;
    }

    /** Reads until the peer closes; returns how many bytes came (a read timeout fails the test). */
    private static int drain(InputStream in) throws IOException {
        int n = 0;
        while (in.read() >= 0) {
            n++;
        }
        return n;
    }
}
