package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.ByteBuffer;

import org.apache.jute.BinaryInputArchive;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.WatcherEvent;
import org.junit.jupiter.api.Test;

import io.canopy.core.watch.WatchEvent;

class FramesTest {

    private static BinaryInputArchive archive(byte[] frame) {
        assertThat(ByteBuffer.wrap(frame).getInt()).isEqualTo(frame.length - 4);
        return BinaryInputArchive.getArchive(new DataInputStream(new ByteArrayInputStream(frame, 4,
                frame.length - 4)));
    }

    @Test
    void notificationCarriesTheZxidOfTheChange() throws Exception {
        byte[] frame = Frames.notification(new WatchEvent(7, 3, 3, "/a", 0x500000001L));
        BinaryInputArchive in = archive(frame);
        ReplyHeader h = new ReplyHeader();
        h.deserialize(in, "h");
        WatcherEvent e = new WatcherEvent();
        e.deserialize(in, "e");
        assertThat(h.getXid()).isEqualTo(-1);
        assertThat(h.getZxid()).isEqualTo(0x500000001L);
        assertThat(e.getType()).isEqualTo(3);
        assertThat(e.getState()).isEqualTo(3);
        assertThat(e.getPath()).isEqualTo("/a");
    }

    @Test
    void connectResponseEndsWithTheReadOnlyFlag() throws Exception {
        byte[] frame = Frames.connectResponse(4000, 42, new byte[16]);
        ConnectResponse r = new ConnectResponse();
        r.deserialize(archive(frame), "r");
        assertThat(r.getTimeOut()).isEqualTo(4000);
        assertThat(r.getSessionId()).isEqualTo(42);
        assertThat(r.getReadOnly()).isFalse();
        assertThat(frame.length).isEqualTo(4 + 4 + 4 + 8 + 4 + 16 + 1);
    }
}
