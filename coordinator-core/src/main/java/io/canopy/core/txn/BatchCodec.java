package io.canopy.core.txn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.data.Id;

/**
 * Binary format of a {@link Batch}: {@code [byte version][long timeMillis][int count] txn*}. The time sits at a
 * fixed offset (1..8) so the leader can restamp an entry without decoding it ({@link #withTime}).
 * <p>
 * A txn is {@code [long sessionId][int cxid][int type][bytes body][int idCount]([str scheme][str id])*
 * [int originNode][long originSeq]}, where bytes/str are {@code [int length (-1 = null)][raw/UTF-8]}. Decoding is
 * strict (lengths checked against what is left, no trailing bytes) because entries cross the network.
 */
public final class BatchCodec {
    public static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 + 4;

    private BatchCodec() {
    }

    public static byte[] encode(Batch batch) {
        int size = HEADER;
        for (Txn t : batch.txns()) {
            size += 8 + 4 + 4 + 4 + len(t.body()) + 4 + 4 + 8;
            for (Id id : identities(t)) {
                size += 8 + len(utf8(id.getScheme())) + len(utf8(id.getId()));
            }
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putLong(batch.timeMillis()).putInt(batch.txns().size());
        for (Txn t : batch.txns()) {
            b.putLong(t.sessionId()).putInt(t.cxid()).putInt(t.type());
            putBytes(b, t.body());
            List<Id> ids = identities(t);
            b.putInt(ids.size());
            for (Id id : ids) {
                putBytes(b, utf8(id.getScheme()));
                putBytes(b, utf8(id.getId()));
            }
            b.putInt(t.originNode()).putLong(t.originSeq());
        }
        return b.array();
    }

    /** @throws IllegalArgumentException on a malformed or truncated entry */
    public static Batch decode(byte[] entry) {
        if (entry == null || entry.length < HEADER) {
            throw new IllegalArgumentException("batch too short");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(entry);
            byte version = b.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown batch version " + version);
            }
            long time = b.getLong();
            int count = b.getInt();
            // The smallest txn takes 36 bytes: a larger count cannot be honest.
            if (count < 0 || count > b.remaining() / 36) {
                throw new IllegalArgumentException("bad txn count " + count);
            }
            List<Txn> txns = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                txns.add(readTxn(b));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after " + count + " txns");
            }
            return new Batch(time, List.copyOf(txns));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated batch", e);
        }
    }

    private static Txn readTxn(ByteBuffer b) {
        long session = b.getLong();
        int cxid = b.getInt();
        int type = b.getInt();
        byte[] body = getBytes(b);
        int idCount = b.getInt();
        if (idCount < 0 || idCount > b.remaining() / 8) {
            throw new IllegalArgumentException("bad identity count " + idCount);
        }
        List<Id> ids = new ArrayList<>(idCount);
        for (int i = 0; i < idCount; i++) {
            ids.add(new Id(str(getBytes(b)), str(getBytes(b))));
        }
        int origin = b.getInt();
        long seq = b.getLong();
        return new Txn(session, cxid, type, body, List.copyOf(ids), origin, seq);
    }

    /** A copy of an encoded batch with its time replaced. */
    public static byte[] withTime(byte[] entry, long timeMillis) {
        if (entry == null || entry.length < HEADER || entry[0] != VERSION) {
            throw new IllegalArgumentException("not an encoded batch");
        }
        byte[] copy = entry.clone();
        ByteBuffer.wrap(copy).putLong(1, timeMillis);
        return copy;
    }

    private static List<Id> identities(Txn t) {
        return t.identities() == null ? List.of() : t.identities();
    }

    private static int len(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer b) {
        int len = b.getInt();
        if (len == -1) {
            return null;
        }
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("bad length " + len);
        }
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }
}
