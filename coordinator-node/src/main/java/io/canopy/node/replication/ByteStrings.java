package io.canopy.node.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.ratis.thirdparty.com.google.protobuf.ByteOutput;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The bytes of a {@link ByteString} as an array, without a copy when the ByteString is one whole array: an entry
 * this node's leader wrapped when it proposed it, or what protobuf parsed from the wire (it copies each bytes field
 * into an array of its own). {@code toByteArray()} copied every entry once more on every member for its apply, and
 * on the leader once more to stamp it.
 *
 * <p>The array is shared with the ByteString, and so with whoever holds that (Ratis keeps log entries in its
 * cache): read it only, unless the ByteString is yours alone.
 */
final class ByteStrings {
    private ByteStrings() {
    }

    /** The bytes of {@code bytes}: its own array when it is exactly one, otherwise a copy. */
    static byte[] array(ByteString bytes) {
        WholeArray out = new WholeArray(bytes.size());
        try {
            UnsafeByteOperations.unsafeWriteTo(bytes, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // WholeArray does no I/O
        }
        return out.result();
    }

    /** Takes the array handed over lazily when it is the whole content; copies anything else into one array. */
    private static final class WholeArray extends ByteOutput {
        private final int size;
        /** The ByteString's own array, while it is all that was written. */
        private byte[] whole;
        /** The copy, once anything but one whole array was written. */
        private ByteBuffer copy;

        WholeArray(int size) {
            this.size = size;
        }

        byte[] result() {
            if (whole != null) {
                return whole;
            }
            return copy != null ? copy.array() : new byte[size];
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            if (whole == null && copy == null && offset == 0 && length == size && value.length == size) {
                whole = value;
            } else {
                write(value, offset, length);
            }
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            copy().put(value, offset, length);
        }

        @Override
        public void write(byte value) {
            copy().put(value);
        }

        @Override
        public void write(ByteBuffer value) {
            copy().put(value);
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            copy().put(value);
        }

        private ByteBuffer copy() {
            if (copy == null) {
                copy = ByteBuffer.allocate(size);
                if (whole != null) {
                    copy.put(whole);
                    whole = null;
                }
            }
            return copy;
        }
    }
}
