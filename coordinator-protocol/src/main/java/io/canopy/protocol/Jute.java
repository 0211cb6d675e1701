package io.canopy.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;

/** Serialises Jute records to and from byte arrays. */
public final class Jute {
    private Jute() {
    }

    public static byte[] toBytes(Record record) {
        ByteSink out = new ByteSink(128);
        try {
            record.serialize(BinaryOutputArchive.getArchive(out), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads {@code into} from {@code bytes}; throws IOException on truncated or malformed input. */
    public static <T extends Record> T fromBytes(byte[] bytes, T into) throws IOException {
        BinaryInputArchive in = BinaryInputArchive.getArchive(new DataInputStream(new ByteArrayInputStream(bytes)));
        into.deserialize(in, "");
        return into;
    }
}
