package io.canopy.node.replication;

/**
 * Why the log refused or failed a membership change; the server answers reconfig with the matching ZooKeeper
 * error. Whether the change took effect is known in every case: it did not.
 */
public final class MembershipChangeException extends Exception {
    /** The failure, in ZooKeeper's terms. */
    public enum Reason {
        /** This log cannot change its membership (a standalone node, a log without Raft): RECONFIGDISABLED. */
        DISABLED,
        /** Another membership change is under way, or happened meanwhile: RECONFIGINPROGRESS. */
        IN_PROGRESS,
        /** The new configuration could not be brought up (a new member did not catch up in time): NEWCONFIGNOQUORUM. */
        NO_QUORUM,
        /** The Raft implementation refused the configuration itself: BADARGUMENTS. */
        BAD_ARGUMENTS
    }

    private final Reason reason;

    public MembershipChangeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MembershipChangeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
