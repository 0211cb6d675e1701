package io.canopy.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.jute.Index;
import org.apache.jute.InputArchive;
import org.apache.jute.Record;

/**
 * A Jute binary reader over a byte array that refuses any length (string, buffer, vector) larger than what is
 * left in the input. Hostile bodies therefore never make it allocate more than the body's own size, and every
 * malformation surfaces as an IOException (never a RuntimeException).
 */
public final class BoundedInputArchive implements InputArchive {
    private final byte[] bytes;
    private int pos;

    public BoundedInputArchive(byte[] bytes) {
        this.bytes = bytes;
    }

    public int remaining() {
        return bytes.length - pos;
    }

    private void need(int n) throws IOException {
        if (n < 0 || n > remaining()) {
            throw new EOFException("truncated: need " + n + " bytes, " + remaining() + " left");
        }
    }

    @Override
    public byte readByte(String tag) throws IOException {
        need(1);
        return bytes[pos++];
    }

    @Override
    public boolean readBool(String tag) throws IOException {
        return readByte(tag) != 0;
    }

    @Override
    public int readInt(String tag) throws IOException {
        need(4);
        int v = ((bytes[pos] & 0xff) << 24) | ((bytes[pos + 1] & 0xff) << 16) | ((bytes[pos + 2] & 0xff) << 8)
                | (bytes[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    @Override
    public long readLong(String tag) throws IOException {
        long hi = readInt(tag) & 0xffffffffL;
        long lo = readInt(tag) & 0xffffffffL;
        return (hi << 32) | lo;
    }

    @Override
    public float readFloat(String tag) throws IOException {
        return Float.intBitsToFloat(readInt(tag));
    }

    @Override
    public double readDouble(String tag) throws IOException {
        return Double.longBitsToDouble(readLong(tag));
    }

    @Override
    public String readString(String tag) throws IOException {
        byte[] b = readBuffer(tag);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public byte[] readBuffer(String tag) throws IOException {
        int len = readInt(tag);
        if (len == -1) {
            return null;
        }
        if (len < -1) {
            throw new IOException("negative length " + len);
        }
        need(len);
        byte[] b = new byte[len];
        System.arraycopy(bytes, pos, b, 0, len);
        pos += len;
        return b;
    }

    @Override
    public void readRecord(Record r, String tag) throws IOException {
        r.deserialize(this, tag);
    }

    @Override
    public void startRecord(String tag) {
    }

    @Override
    public void endRecord(String tag) {
    }

    @Override
    public Index startVector(String tag) throws IOException {
        int len = readInt(tag);
        if (len == -1) {
            return null;
        }
        if (len < -1) {
            throw new IOException("negative vector length " + len);
        }
        // Every element takes at least one byte: a longer vector cannot be honest.
        need(len);
        return new Counter(len);
    }

    @Override
    public void endVector(String tag) {
    }

    @Override
    public Index startMap(String tag) throws IOException {
        return startVector(tag);
    }

    @Override
    public void endMap(String tag) {
    }

    private static final class Counter implements Index {
        private int left;

        Counter(int n) {
            left = n;
        }

        @Override
        public boolean done() {
            return left <= 0;
        }

        @Override
        public void incr() {
            left--;
        }
    }
}
