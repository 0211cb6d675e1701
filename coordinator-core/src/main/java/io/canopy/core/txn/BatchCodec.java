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
 * A batch of streamed transactions ({@link Batch#runs()} not empty) is
 * {@code [byte version=3][long timeMillis][byte flags][int runCount] run*}, a run being
 * {@code [int origin][long stream][long firstSeq][int count] txn*}. A run is encoded on its own
 * ({@link #encodeRun}), by the node that proposes it, and the leader puts the runs it holds into an entry as they
 * are ({@link #entry}), without decoding them again.
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
    /** The version of a batch of runs (always with a flags byte). */
    public static final byte VERSION_RUNS = 3;
    /** Bytes of a run's header: origin, stream, first sequence number, count. */
    public static final int RUN_HEADER = 4 + 8 + 8 + 4;
    /** Bytes of a batch of runs before its first run. */
    public static final int RUNS_HEADER = 1 + 8 + 1 + 4;
    private static final int HEADER = 1 + 8 + 4;
    private static final int FLAGS_OFFSET = 9;
    private static final byte ENFORCE_QUOTA = 1;

    private BatchCodec() {
    }

    public static byte[] encode(Batch batch) {
        if (!batch.runs().isEmpty()) {
            List<byte[]> runs = new ArrayList<>(batch.runs().size());
            int i = 0;
            for (Run r : batch.runs()) {
                runs.add(encodeRun(r, batch.txns().subList(i, i + r.count())));
                i += r.count();
            }
            byte[] entry = entry(batch.timeMillis(), runs);
            entry[FLAGS_OFFSET] = flags(batch.enforceQuota());
            return entry;
        }
        byte flags = flags(batch.enforceQuota());
        int size = HEADER + (flags == 0 ? 0 : 1) + size(batch.txns());
        ByteBuffer b = ByteBuffer.allocate(size);
        if (flags == 0) {
            b.put(VERSION).putLong(batch.timeMillis());
        } else {
            b.put(VERSION_WITH_FLAGS).putLong(batch.timeMillis()).put(flags);
        }
        b.putInt(batch.txns().size());
        for (Txn t : batch.txns()) {
            putTxn(b, t);
        }
        return b.array();
    }

    /** One run with its transactions, as a node forwards it to the leader and as it sits in an entry. */
    public static byte[] encodeRun(Run run, List<Txn> txns) {
        if (txns.size() != run.count()) {
            throw new IllegalArgumentException("run of " + run.count() + " with " + txns.size() + " transactions");
        }
        ByteBuffer b = ByteBuffer.allocate(RUN_HEADER + size(txns));
        b.putInt(run.origin()).putLong(run.stream()).putLong(run.firstSeq()).putInt(run.count());
        for (Txn t : txns) {
            putTxn(b, t);
        }
        return b.array();
    }

    /**
     * An entry of encoded runs ({@link #encodeRun}, each checked with {@link #checkRun} if it came from the
     * network), without flags: the leader's {@link #stamp} sets time and flags.
     */
    public static byte[] entry(long timeMillis, List<byte[]> runs) {
        int size = RUNS_HEADER;
        for (byte[] r : runs) {
            size += r.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION_RUNS).putLong(timeMillis).put((byte) 0).putInt(runs.size());
        for (byte[] r : runs) {
            b.put(r);
        }
        return b.array();
    }

    /**
     * The header of an encoded run, after checking that the whole run decodes.
     *
     * @throws IllegalArgumentException on a malformed or truncated run, or trailing bytes
     */
    public static Run checkRun(byte[] run) {
        try {
            ByteBuffer b = ByteBuffer.wrap(run);
            Run header = readRunHeader(b);
            for (int i = 0; i < header.count(); i++) {
                readTxn(b);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after a run of " + header.count());
            }
            return header;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated run", e);
        }
    }

    private static Run readRunHeader(ByteBuffer b) {
        int origin = b.getInt();
        long stream = b.getLong();
        long first = b.getLong();
        int count = b.getInt();
        // The smallest txn takes 36 bytes: a larger count cannot be honest.
        if (count <= 0 || count > b.remaining() / 36) {
            throw new IllegalArgumentException("bad run count " + count);
        }
        return new Run(origin, stream, first, count);
    }

    private static int size(List<Txn> txns) {
        int size = 0;
        for (Txn t : txns) {
            size += 8 + 4 + 4 + 4 + len(t.body()) + 4 + 4 + 8;
            for (Id id : identities(t)) {
                size += 8 + len(utf8(id.getScheme())) + len(utf8(id.getId()));
            }
        }
        return size;
    }

    private static void putTxn(ByteBuffer b, Txn t) {
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

    /** @throws IllegalArgumentException on a malformed or truncated entry */
    public static Batch decode(byte[] entry) {
        if (entry == null || entry.length < HEADER) {
            throw new IllegalArgumentException("batch too short");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(entry);
            byte version = b.get();
            if (version != VERSION && version != VERSION_WITH_FLAGS && version != VERSION_RUNS) {
                throw new IllegalArgumentException("unknown batch version " + version);
            }
            long time = b.getLong();
            byte flags = version == VERSION ? 0 : b.get();
            if ((version == VERSION_WITH_FLAGS && flags == 0) || (flags & ~ENFORCE_QUOTA) != 0) {
                throw new IllegalArgumentException("bad batch flags " + flags);
            }
            if (version == VERSION_RUNS) {
                return decodeRuns(b, time, (flags & ENFORCE_QUOTA) != 0);
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

    private static Batch decodeRuns(ByteBuffer b, long time, boolean enforceQuota) {
        int runCount = b.getInt();
        if (runCount <= 0 || runCount > b.remaining() / (RUN_HEADER + 36)) {
            throw new IllegalArgumentException("bad run count " + runCount);
        }
        List<Run> runs = new ArrayList<>(runCount);
        List<Txn> txns = new ArrayList<>();
        for (int r = 0; r < runCount; r++) {
            Run run = readRunHeader(b);
            runs.add(run);
            for (int i = 0; i < run.count(); i++) {
                txns.add(readTxn(b));
            }
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("trailing bytes after " + runCount + " runs");
        }
        return new Batch(time, txns, enforceQuota, runs);
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
     * An encoded batch with the leader's time and decisions: what the leader does to every entry before it appends
     * it. The transactions are copied as they are, without decoding; the flags byte is added or removed as the
     * flags require. A batch of runs, which always has its flags byte, is stamped in place and returned; any other
     * is copied.
     *
     * @throws IllegalArgumentException if {@code entry} is not an encoded batch
     */
    public static byte[] stamp(byte[] entry, long timeMillis, boolean enforceQuota) {
        byte flags = flags(enforceQuota);
        if (entry != null && entry.length >= RUNS_HEADER && entry[0] == VERSION_RUNS) {
            ByteBuffer.wrap(entry).putLong(1, timeMillis).put(FLAGS_OFFSET, flags);
            return entry;   // a batch of runs always has its flags byte: stamped in place
        }
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
