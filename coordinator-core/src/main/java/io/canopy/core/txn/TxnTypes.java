package io.canopy.core.txn;

/**
 * Log entry types beyond ZooKeeper's own write opcodes. Chosen far outside ZooKeeper's opcode range.
 */
public final class TxnTypes {
    /** Leader-proposed clean-up: body lists paths of container/TTL nodes to delete if still eligible at apply. */
    public static final int REAP = 1001;
    /** Leader-proposed: body is the new text of /zookeeper/config (cluster membership). */
    public static final int SET_CONFIG = 1002;
    /**
     * A client resumed its session on the proposing node ({@link Txn#originNode()}), which becomes the session's
     * owner: later writes for the session proposed by any other node fail with SESSIONMOVED, and other nodes close
     * the session's old connection. The body is empty, or holds the timeout the client negotiated again on
     * resuming, which the session takes (ZooKeeper answers a reconnect with the newly negotiated timeout and
     * expires the session by it); see {@link InternalBodies#moveSession}.
     */
    public static final int MOVE_SESSION = 1003;
    /**
     * A barrier for {@code sync}: changes nothing. The proposing node answers the sync once the entry holding it
     * is committed (a quorum accepted it, so it was proposed by the current leader and follows every write
     * acknowledged before) and applied on that node. Empty body, session 0.
     */
    public static final int BARRIER = 1004;

    private TxnTypes() {
    }
}
