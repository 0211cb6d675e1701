package io.canopy.core.txn;

/**
 * Log entry types beyond ZooKeeper's own write opcodes. Chosen far outside ZooKeeper's opcode range.
 */
public final class TxnTypes {
    /** Leader-proposed clean-up: body lists paths of container/TTL nodes to delete if still eligible at apply. */
    public static final int REAP = 1001;
    /** Leader-proposed: body is the new text of /zookeeper/config (cluster membership). */
    public static final int SET_CONFIG = 1002;

    private TxnTypes() {
    }
}
