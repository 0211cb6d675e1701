package io.canopy.testcluster.history;

import java.util.Objects;

/**
 * One client operation on one znode used as a register, as the client issued it (its arguments, not its
 * outcome). Values are strings because the histories are compared, printed and written to JSON: encode the
 * znode's bytes (for example as UTF-8) when recording.
 *
 * @param type            what the client called
 * @param key             the znode path; keys are checked independently of each other
 * @param value           the data written by WRITE, CAS and CREATE; null otherwise (or ZooKeeper null data)
 * @param expectedVersion the version argument of CAS and DELETE (-1 means any for DELETE); -1 otherwise
 */
public record Op(Type type, String key, String value, int expectedVersion) {

    /** The register operations the checker understands, named after the ZooKeeper calls behind them. */
    public enum Type {
        /** getData: observes (value, version), or that the node is absent. */
        READ,
        /** setData with version -1: always applies to an existing node. */
        WRITE,
        /** setData with a version: applies only if the node's version equals the expected one. */
        CAS,
        /** create: applies only if the node is absent; the new node has version 0. */
        CREATE,
        /** delete, with a version or -1. */
        DELETE
    }

    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
    }

    public static Op read(String key) {
        return new Op(Type.READ, key, null, -1);
    }

    public static Op write(String key, String value) {
        return new Op(Type.WRITE, key, value, -1);
    }

    public static Op cas(String key, int expectedVersion, String value) {
        return new Op(Type.CAS, key, value, expectedVersion);
    }

    public static Op create(String key, String value) {
        return new Op(Type.CREATE, key, value, -1);
    }

    public static Op delete(String key, int expectedVersion) {
        return new Op(Type.DELETE, key, null, expectedVersion);
    }

    @Override
    public String toString() {
        switch (type) {
            case READ:
                return "read(" + key + ")";
            case WRITE:
                return "write(" + key + ", " + quote(value) + ")";
            case CAS:
                return "cas(" + key + ", v" + expectedVersion + ", " + quote(value) + ")";
            case CREATE:
                return "create(" + key + ", " + quote(value) + ")";
            default:
                return "delete(" + key + ", v" + expectedVersion + ")";
        }
    }

    static String quote(String s) {
        return s == null ? "null" : '"' + s + '"';
    }
}
