package io.canopy.core.txn;

/**
 * Binary format of a {@link Batch}: {@code [byte version][long timeMillis][int count] txn*}. The time sits at a
 * fixed offset (1..8) so the leader can restamp an entry without decoding it ({@link #withTime}).
 */
public final class BatchCodec {
    public static final byte VERSION = 1;

    private BatchCodec() {
    }

    public static byte[] encode(Batch batch) {
        throw new UnsupportedOperationException("TODO");
    }

    /** @throws IllegalArgumentException on a malformed or truncated entry */
    public static Batch decode(byte[] entry) {
        throw new UnsupportedOperationException("TODO");
    }

    /** A copy of an encoded batch with its time replaced. */
    public static byte[] withTime(byte[] entry, long timeMillis) {
        throw new UnsupportedOperationException("TODO");
    }
}
