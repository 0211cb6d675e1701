package io.canopy.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.TreeMap;

import org.apache.jute.OutputArchive;
import org.apache.jute.Record;

/**
 * Encodes Jute records into byte arrays of exactly their size: byte for byte what ZooKeeper's
 * {@code BinaryOutputArchive} writes (big-endian numbers, length-prefixed buffers and strings, -1 for null), in two
 * passes over the record: one that counts, one that writes into the array the count sized.
 *
 * <p>Why not {@code BinaryOutputArchive}: every archive allocates a 1 KiB buffer for encoding strings and a
 * {@code DataOutputStream}, and writing into a growable buffer ends with a copy to the exact size. For a node that
 * encodes one archive per reply and per watch event that was most of what it allocated (watch fan-out on a
 * 3-node cluster: about 60 % of a node's allocated bytes, and five times ZooKeeper's young collections). Counting
 * first costs a walk over a handful of fields.
 *
 * <p>Strings are encoded as Jute encodes them: each UTF-16 char on its own, in one to three bytes (a surrogate
 * pair becomes two three-byte sequences, not one four-byte one), so that what the official client reads is what
 * it would read from ZooKeeper.
 */
public final class JuteEncoder {
    private JuteEncoder() {
    }

    /** The record's encoding; the public way in is {@link Jute#toBytes}. */
    static byte[] toBytes(Record record) {
        return encode(false, record, null);
    }

    /**
     * A frame as the ZooKeeper wire protocol sends it: a 4-byte big-endian length of what follows, then
     * {@code header} and, unless null, {@code body}.
     */
    public static byte[] frame(Record header, Record body) {
        return encode(true, header, body);
    }

    private static byte[] encode(boolean lengthPrefix, Record first, Record second) {
        try {
            Counter counter = new Counter();
            first.serialize(counter, "");
            if (second != null) {
                second.serialize(counter, "");
            }
            if (counter.size > Integer.MAX_VALUE - 4) {
                throw new IllegalArgumentException("a record of " + counter.size + " bytes cannot be encoded");
            }
            int size = (int) counter.size;
            Writer writer = new Writer(new byte[lengthPrefix ? size + 4 : size]);
            if (lengthPrefix) {
                writer.writeInt(size, "len");
            }
            first.serialize(writer, "");
            if (second != null) {
                second.serialize(writer, "");
            }
            if (writer.position != writer.bytes.length) {
                throw new IllegalStateException("a record changed while it was encoded: counted " + size
                        + " bytes, wrote " + (writer.position - (lengthPrefix ? 4 : 0)));
            }
            return writer.bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // neither archive does I/O; only a record's own code could throw
        }
    }

    /** Bytes Jute's encoding of {@code s} takes, without its length prefix. */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 ? 1 : 2;
            }
        }
        return bytes;
    }

    /** The structure of an archive: records and vectors add nothing of their own beyond a vector's count. */
    private abstract static class Structure implements OutputArchive {
        @Override
        public void writeRecord(Record r, String tag) throws IOException {
            r.serialize(this, tag);
        }

        @Override
        public void startRecord(Record r, String tag) {
            // no bytes: a record is its fields
        }

        @Override
        public void endRecord(Record r, String tag) {
            // no bytes
        }

        @Override
        public void startVector(List<?> v, String tag) throws IOException {
            writeInt(v == null ? -1 : v.size(), tag);
        }

        @Override
        public void endVector(List<?> v, String tag) {
            // no bytes
        }

        @Override
        public void startMap(TreeMap<?, ?> v, String tag) throws IOException {
            writeInt(v.size(), tag);
        }

        @Override
        public void endMap(TreeMap<?, ?> v, String tag) {
            // no bytes
        }
    }

    /** The first pass: counts the bytes. */
    private static final class Counter extends Structure {
        long size;

        @Override
        public void writeByte(byte b, String tag) {
            size += 1;
        }

        @Override
        public void writeBool(boolean b, String tag) {
            size += 1;
        }

        @Override
        public void writeInt(int i, String tag) {
            size += 4;
        }

        @Override
        public void writeLong(long l, String tag) {
            size += 8;
        }

        @Override
        public void writeFloat(float f, String tag) {
            size += 4;
        }

        @Override
        public void writeDouble(double d, String tag) {
            size += 8;
        }

        @Override
        public void writeString(String s, String tag) {
            size += 4 + (s == null ? 0 : utf8Length(s));
        }

        @Override
        public void writeBuffer(byte[] buf, String tag) {
            size += 4 + (buf == null ? 0 : buf.length);
        }

        @Override
        public long getDataSize() {
            return size;
        }
    }

    /** The second pass: writes into an array of the counted size. */
    private static final class Writer extends Structure {
        final byte[] bytes;
        int position;

        Writer(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void writeByte(byte b, String tag) {
            bytes[position++] = b;
        }

        @Override
        public void writeBool(boolean b, String tag) {
            bytes[position++] = (byte) (b ? 1 : 0);
        }

        @Override
        public void writeInt(int i, String tag) {
            byte[] a = bytes;
            int p = position;
            a[p] = (byte) (i >>> 24);
            a[p + 1] = (byte) (i >>> 16);
            a[p + 2] = (byte) (i >>> 8);
            a[p + 3] = (byte) i;
            position = p + 4;
        }

        @Override
        public void writeLong(long l, String tag) {
            writeInt((int) (l >>> 32), tag);
            writeInt((int) l, tag);
        }

        @Override
        public void writeFloat(float f, String tag) {
            writeInt(Float.floatToIntBits(f), tag);
        }

        @Override
        public void writeDouble(double d, String tag) {
            writeLong(Double.doubleToLongBits(d), tag);
        }

        @Override
        public void writeString(String s, String tag) {
            if (s == null) {
                writeInt(-1, tag);
                return;
            }
            writeInt(utf8Length(s), tag);
            byte[] a = bytes;
            int p = position;
            for (int i = 0, n = s.length(); i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    a[p++] = (byte) c;
                } else if (c < 0x800) {
                    a[p++] = (byte) (0xc0 | (c >> 6));
                    a[p++] = (byte) (0x80 | (c & 0x3f));
                } else {
                    a[p++] = (byte) (0xe0 | (c >> 12));
                    a[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                    a[p++] = (byte) (0x80 | (c & 0x3f));
                }
            }
            position = p;
        }

        @Override
        public void writeBuffer(byte[] buf, String tag) {
            if (buf == null) {
                writeInt(-1, tag);
                return;
            }
            writeInt(buf.length, tag);
            System.arraycopy(buf, 0, bytes, position, buf.length);
            position += buf.length;
        }

        @Override
        public long getDataSize() {
            return position;
        }
    }
}
