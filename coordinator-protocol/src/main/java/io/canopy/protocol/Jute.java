package io.canopy.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

import org.apache.jute.BinaryInputArchive;
import org.apache.jute.Record;

/** Serialises Jute records to and from byte arrays. */
public final class Jute {
    private Jute() {
    }

    /** The record's encoding, in an array of exactly its size (see {@link JuteEncoder}). */
    public static byte[] toBytes(Record record) {
        return JuteEncoder.toBytes(record);
    }

    /** Reads {@code into} from {@code bytes}; throws IOException on truncated or malformed input. */
    public static <T extends Record> T fromBytes(byte[] bytes, T into) throws IOException {
        BinaryInputArchive in = BinaryInputArchive.getArchive(new DataInputStream(new ByteArrayInputStream(bytes)));
        into.deserialize(in, "");
        return into;
    }
}
