package io.canopy.testcluster.history;

import java.util.Objects;

/**
 * What a successful operation returned. Only what the client actually observed goes here: a write whose
 * Stat was not looked at is recorded as {@link #done()}, which the checker accepts with any new version.
 *
 * @param kind    which shape of answer this is
 * @param value   the data read (PRESENT only)
 * @param version the version read (PRESENT) or the node's new version (VERSION); -1 otherwise
 */
public record Result(Kind kind, String value, int version) {

    /** The shapes of a successful answer. */
    public enum Kind {
        /** A read found the node: (value, version). */
        PRESENT,
        /** A read found no node (the same observation as a NONODE failure). */
        ABSENT,
        /** A write, CAS or create applied and the node now has this version (from the returned Stat). */
        VERSION,
        /** The operation applied; nothing more was observed (delete, or a write whose Stat is ignored). */
        DONE
    }

    private static final Result ABSENT = new Result(Kind.ABSENT, null, -1);
    private static final Result DONE = new Result(Kind.DONE, null, -1);

    public Result {
        Objects.requireNonNull(kind, "kind");
    }

    public static Result read(String value, int version) {
        return new Result(Kind.PRESENT, value, version);
    }

    public static Result absent() {
        return ABSENT;
    }

    public static Result version(int newVersion) {
        return new Result(Kind.VERSION, null, newVersion);
    }

    public static Result done() {
        return DONE;
    }

    @Override
    public String toString() {
        switch (kind) {
            case PRESENT:
                return "(" + Op.quote(value) + ", v" + version + ")";
            case ABSENT:
                return "absent";
            case VERSION:
                return "v" + version;
            default:
                return "done";
        }
    }
}
