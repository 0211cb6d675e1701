package io.canopy.node.server;

import io.canopy.testcluster.Timing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.proto.ConnectRequest;
import org.apache.zookeeper.proto.ConnectResponse;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;

/** A ZooKeeper wire-protocol client over a plain socket, for what the official client will not send. */
public final class RawClient implements AutoCloseable {
    /** A received frame: the header and the body bytes after it. */
    public record Reply(ReplyHeader header, byte[] body) {
        public <T extends Record> T body(T into) throws IOException {
            into.deserialize(BinaryInputArchive.getArchive(new DataInputStream(new ByteArrayInputStream(body))), "r");
            return into;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) Timing.seconds(10).toMillis());
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Sends a ConnectRequest without reading the answer (for a server expected to close the connection). */
    public void sendConnect(long sessionId, byte[] password, int timeoutMillis, long lastZxid) throws IOException {
        sendConnect(sessionId, password, timeoutMillis, lastZxid, false);
    }

    /** The same, with the client's readOnly flag (the official client's canBeReadOnly). */
    public void sendConnect(long sessionId, byte[] password, int timeoutMillis, long lastZxid, boolean readOnly)
            throws IOException {
        sendFrame(bytes(new ConnectRequest(0, lastZxid, timeoutMillis, sessionId, password, readOnly), null));
    }

    public ConnectResponse connect(long sessionId, byte[] password, int timeoutMillis, long lastZxid)
            throws IOException {
        return connect(sessionId, password, timeoutMillis, lastZxid, false);
    }

    public ConnectResponse connect(long sessionId, byte[] password, int timeoutMillis, long lastZxid,
                                   boolean readOnly) throws IOException {
        sendConnect(sessionId, password, timeoutMillis, lastZxid, readOnly);
        byte[] frame = readFrame();
        ConnectResponse response = new ConnectResponse();
        response.deserialize(BinaryInputArchive.getArchive(new DataInputStream(new ByteArrayInputStream(frame))), "");
        return response;
    }

    public ConnectResponse connect(int timeoutMillis) throws IOException {
        return connect(0, new byte[16], timeoutMillis, 0);
    }

    public void send(int xid, int type, Record body) throws IOException {
        sendFrame(bytes(new RequestHeader(xid, type), body));
    }

    public Reply read() throws IOException {
        byte[] frame = readFrame();
        DataInputStream data = new DataInputStream(new ByteArrayInputStream(frame));
        ReplyHeader header = new ReplyHeader();
        header.deserialize(BinaryInputArchive.getArchive(data), "header");
        return new Reply(header, Arrays.copyOfRange(frame, 16, frame.length));
    }

    /** Reads the next reply that is not a notification. */
    public Reply readReply() throws IOException {
        Reply r;
        do {
            r = read();
        } while (r.header().getXid() == -1);
        return r;
    }

    public void sendFrame(byte[] payload) throws IOException {
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public byte[] readFrame() throws IOException {
        int length = in.readInt();
        byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
    }

    /** Whether the server closes the connection within {@code within}, discarding whatever it sends first. */
    public boolean closedByServer(Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        try {
            byte[] buf = new byte[4096];
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    /** Sends a four-letter word and returns everything the server answers before closing. */
    public static String fourLetterWord(int port, String word) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.sendRaw(word.getBytes(StandardCharsets.US_ASCII));
            return new String(c.in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static byte[] bytes(Record header, Record body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryOutputArchive archive = BinaryOutputArchive.getArchive(bytes);
        header.serialize(archive, "header");
        if (body != null) {
            body.serialize(archive, "body");
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
