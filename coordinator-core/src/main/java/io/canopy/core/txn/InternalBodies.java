package io.canopy.core.txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.proto.ConnectResponse;

import io.canopy.protocol.BoundedInputArchive;
import io.canopy.protocol.Jute;

/**
 * Bodies of the log entries Canopy defines itself: createSession (Jute
 * {@code ConnectResponse(0, timeout, sessionId, password, false)}), MOVE_SESSION (empty, or the Jute int of a
 * renegotiated timeout), REAP ({@code [int count]([int len][utf8 path])*}, i.e. Jute int + ustrings) and
 * SET_CONFIG (the UTF-8 text). closeSession has an empty body. SET_CONFIG bodies since versions are stamped at
 * apply hold only the {@code server.N=} lines.
 * Decoders throw IllegalArgumentException on malformed input; apply turns that into an error outcome.
 */
public final class InternalBodies {
    private static final int MAX_PASSWORD = 256;

    private InternalBodies() {
    }

    /** The content of a createSession body. */
    public record CreateSession(int timeoutMillis, byte[] password) {
    }

    /** A createSession body without the (informational) session id. */
    public static byte[] createSession(int timeoutMillis, byte[] password) {
        return createSession(0, timeoutMillis, password);
    }

    /** The body is Jute {@code ConnectResponse(0, timeout, sessionId, password, false)}, what the client gets. */
    public static byte[] createSession(long sessionId, int timeoutMillis, byte[] password) {
        return Jute.toBytes(new ConnectResponse(0, timeoutMillis, sessionId, password == null ? new byte[0] : password,
                false));
    }

    public static CreateSession decodeCreateSession(byte[] body) {
        ConnectResponse r = new ConnectResponse();
        try {
            r.deserialize(new BoundedInputArchive(body), "body");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed createSession body", e);
        }
        byte[] pw = r.getPasswd() == null ? new byte[0] : r.getPasswd();
        if (pw.length > MAX_PASSWORD) {
            throw new IllegalArgumentException("createSession password too long: " + pw.length);
        }
        return new CreateSession(r.getTimeOut(), pw);
    }

    /**
     * A MOVE_SESSION body: empty when the session keeps its timeout, else the Jute int of the timeout the client
     * negotiated again when it resumed the session.
     */
    public static byte[] moveSession(int newTimeoutMillis) {
        return ByteBuffer.allocate(4).putInt(newTimeoutMillis).array();
    }

    /** The timeout a MOVE_SESSION body sets, or 0 when it keeps the session's own (empty body). */
    public static int decodeMoveSession(byte[] body) {
        if (body == null || body.length == 0) {
            return 0;
        }
        if (body.length != 4) {
            throw new IllegalArgumentException("malformed moveSession body of " + body.length + " bytes");
        }
        int timeout = ByteBuffer.wrap(body).getInt();
        if (timeout <= 0) {
            throw new IllegalArgumentException("moveSession timeout must be positive: " + timeout);
        }
        return timeout;
    }

    public static byte[] reap(List<String> paths) {
        List<byte[]> encoded = new ArrayList<>(paths.size());
        int size = 4;
        for (String p : paths) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            encoded.add(b);
            size += 4 + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(paths.size());
        for (byte[] b : encoded) {
            out.putInt(b.length).put(b);
        }
        return out.array();
    }

    public static List<String> decodeReap(byte[] body) {
        try {
            ByteBuffer b = ByteBuffer.wrap(body);
            int count = b.getInt();
            if (count < 0 || count > b.remaining() / 4) {
                throw new IllegalArgumentException("bad reap count " + count);
            }
            List<String> paths = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int len = b.getInt();
                if (len < 0 || len > b.remaining()) {
                    throw new IllegalArgumentException("bad reap path length " + len);
                }
                byte[] p = new byte[len];
                b.get(p);
                paths.add(new String(p, StandardCharsets.UTF_8));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes in reap body");
            }
            return paths;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed reap body", e);
        }
    }

    public static byte[] setConfig(String configText) {
        return configText.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The {@code server.N=...} lines of a /zookeeper/config text (or SET_CONFIG body), trimmed, in their order,
     * without blank lines and without the {@code version=} line.
     */
    public static List<String> configServerLines(String text) {
        List<String> lines = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (!line.isEmpty() && !line.startsWith("version=")) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The value of the {@code version=} line of a /zookeeper/config text, or null if it has none. */
    public static String configVersionLine(String text) {
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("version=")) {
                return line.substring("version=".length());
            }
        }
        return null;
    }
}
