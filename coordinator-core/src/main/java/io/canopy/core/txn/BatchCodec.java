package io.canopy.core.txn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.data.Id;

/**
 * Binary format of a {@link Batch}: {@code [byte version=1][long timeMillis][int count] txn*}, or, when a flag is
 * set, {@code [byte version=2][long timeMillis][byte flags][int count] txn*}, where flag bit 0 is
 * {@link Batch#enforceQuota()}. A batch without flags is thus written byte for byte as before flags existed, so
 * that nodes of both versions can share a log while quotas are not enforced (during a rolling upgrade). Time and
 * flags sit at fixed offsets (1..8 and 9) so the leader can stamp an entry without decoding it ({@link #stamp}).
 * <p>
 * A txn is {@code [long sessionId][int cxid][int type][bytes body][int idCount]([str scheme][str id])*
 * [int originNode][long originSeq]}, where bytes/str are {@code [int length (-1 = null)][raw/UTF-8]}. Decoding is
 * strict (lengths checked against what is left, no trailing bytes) because entries cross the network.
 */
public final class BatchCodec {
    /** The version of a batch without flags. */
    public static final byte VERSION = 1;
    /** The version of a batch with a flags byte. */
    public static final byte VERSION_WITH_FLAGS = 2;
    private static final int HEADER = 1 + 8 + 4;
    private static final int FLAGS_OFFSET = 9;
    private static final byte ENFORCE_QUOTA = 1;

    private BatchCodec() {
    }

    public static byte[] encode(Batch batch) {
        byte flags = flags(batch.enforceQuota());
        int size = HEADER + (flags == 0 ? 0 : 1);
        for (Txn t : batch.txns()) {
            size += 8 + 4 + 4 + 4 + len(t.body()) + 4 + 4 + 8;
            for (Id id : identities(t)) {
                size += 8 + len(utf8(id.getScheme())) + len(utf8(id.getId()));
            }
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        if (flags == 0) {
            b.put(VERSION).putLong(batch.timeMillis());
        } else {
            b.put(VERSION_WITH_FLAGS).putLong(batch.timeMillis()).put(flags);
        }
        b.putInt(batch.txns().size());
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
            if (version != VERSION && version != VERSION_WITH_FLAGS) {
                throw new IllegalArgumentException("unknown batch version " + version);
            }
            long time = b.getLong();
            byte flags = version == VERSION ? 0 : b.get();
            if (version == VERSION_WITH_FLAGS && (flags == 0 || (flags & ~ENFORCE_QUOTA) != 0)) {
                throw new IllegalArgumentException("bad batch flags " + flags);
            }
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
            return new Batch(time, List.copyOf(txns), (flags & ENFORCE_QUOTA) != 0);
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

    /**
     * A copy of an encoded batch with the leader's time and decisions: what the leader does to every entry before
     * it appends it. The transactions are copied as they are, without decoding; the flags byte is added or
     * removed as the flags require.
     *
     * @throws IllegalArgumentException if {@code entry} is not an encoded batch
     */
    public static byte[] stamp(byte[] entry, long timeMillis, boolean enforceQuota) {
        byte flags = flags(enforceQuota);
        boolean hasFlags;
        if (entry != null && entry.length >= HEADER && entry[0] == VERSION) {
            hasFlags = false;
        } else if (entry != null && entry.length >= HEADER + 1 && entry[0] == VERSION_WITH_FLAGS) {
            hasFlags = true;
        } else {
            throw new IllegalArgumentException("not an encoded batch");
        }
        int body = hasFlags ? FLAGS_OFFSET + 1 : FLAGS_OFFSET;
        byte[] out = new byte[FLAGS_OFFSET + (flags == 0 ? 0 : 1) + entry.length - body];
        ByteBuffer b = ByteBuffer.wrap(out);
        if (flags == 0) {
            b.put(VERSION).putLong(timeMillis);
        } else {
            b.put(VERSION_WITH_FLAGS).putLong(timeMillis).put(flags);
        }
        b.put(entry, body, entry.length - body);
        return out;
    }

    private static byte flags(boolean enforceQuota) {
        return enforceQuota ? ENFORCE_QUOTA : 0;
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
