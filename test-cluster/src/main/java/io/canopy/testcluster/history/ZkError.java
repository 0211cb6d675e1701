package io.canopy.testcluster.history;

/**
 * The ZooKeeper error answers that are definite and say something about the register's state at the moment
 * the operation took (no) effect, so the checker can verify them: a BADVERSION proves the version differed,
 * a NONODE that the node was absent, a NODEEXISTS that it was present. Codes are ZooKeeper's
 * {@code KeeperException.Code} values, repeated here to keep this module free of the ZooKeeper jar.
 */
public enum ZkError {
    NONODE(-101),
    BADVERSION(-103),
    NODEEXISTS(-110);

    /** Definite refusals that prove nothing about the register (NOAUTH, BADARGUMENTS, NOTEMPTY ...). */
    private static final int[] DEFINITE_UNMODELLED = {-8, -102, -108, -111, -114, -115};

    private final int code;

    ZkError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The modelled error with this ZooKeeper code, or null. */
    public static ZkError fromCode(int rc) {
        for (ZkError e : values()) {
            if (e.code == rc) {
                return e;
            }
        }
        return null;
    }

    /**
     * True if a non-zero rc certainly means "not applied" although the model cannot check it. Everything
     * else that is not modelled (connection loss, timeouts, session expiry, system errors) leaves the
     * outcome unknown: the request may have reached the log before the answer was lost.
     */
    static boolean isDefiniteUnmodelled(int rc) {
        for (int c : DEFINITE_UNMODELLED) {
            if (c == rc) {
                return true;
            }
        }
        return false;
    }
}
