package io.canopy.protocol;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer for serialising Jute records. Unlike {@link java.io.ByteArrayOutputStream} its writes
 * are not synchronized: Jute writes ints byte by byte through {@link java.io.DataOutputStream}, and a lock per
 * byte made encoding a getData reply five times slower (see {@code CodecBenchmark}). Not thread-safe; one per
 * encoding.
 */
public final class ByteSink extends OutputStream {
    private byte[] buf;
    private int size;

    public ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    public int size() {
        return size;
    }

    /** Overwrites 4 bytes at {@code offset} with a big-endian int (a frame's length prefix). */
    public void putInt(int offset, int value) {
        buf[offset] = (byte) (value >>> 24);
        buf[offset + 1] = (byte) (value >>> 16);
        buf[offset + 2] = (byte) (value >>> 8);
        buf[offset + 3] = (byte) value;
    }

    /** The bytes written; the internal array itself when it is exactly full (no copy). */
    public byte[] toByteArray() {
        return size == buf.length ? buf : Arrays.copyOf(buf, size);
    }
}
