package io.canopy.testcluster.linearizability;

/**
 * The state of one znode seen as a register: whether it exists, its data and its data version. Used for a
 * key's initial state and to show where a search got stuck.
 *
 * @param exists  whether the znode exists
 * @param value   its data (null if absent, or ZooKeeper null data)
 * @param version its data version (0 right after create; meaningless when absent)
 */
public record RegisterState(boolean exists, String value, int version) {

    private static final RegisterState ABSENT = new RegisterState(false, null, 0);

    public static RegisterState absent() {
        return ABSENT;
    }

    public static RegisterState of(String value, int version) {
        return new RegisterState(true, value, version);
    }

    @Override
    public String toString() {
        return exists ? "(" + (value == null ? "null" : '"' + value + '"') + ", v" + version + ")" : "absent";
    }
}
