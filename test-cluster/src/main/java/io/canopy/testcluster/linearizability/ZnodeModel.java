package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Result;

/**
 * The sequential specification of a znode used as a register, over states packed into a long so that the
 * search can memoize (linearized set, state) pairs cheaply: bit 62 = exists, bits 32..61 = value id,
 * bits 0..31 = version. Follows ZooKeeper: setData needs the node (NONODE) and, with a version, a matching
 * one (BADVERSION) and bumps the version; create needs the node absent (NODEEXISTS) and starts at version 0.
 */
final class ZnodeModel {

    /** Returned by {@link #step} when the operation's observed outcome is impossible in the state. */
    static final long ILLEGAL = -1L;
    static final long ABSENT = 0L;

    private static final long EXISTS = 1L << 62;

    private ZnodeModel() {
    }

    static long pack(boolean exists, int valueId, int version) {
        if (!exists) {
            return ABSENT;
        }
        return EXISTS | ((long) valueId << 32) | (version & 0xFFFFFFFFL);
    }

    static boolean exists(long s) {
        return (s & EXISTS) != 0;
    }

    static int valueId(long s) {
        return (int) ((s & ~EXISTS) >>> 32);
    }

    static int version(long s) {
        return (int) s;
    }

    /**
     * The state after {@code o} at state {@code s}, or {@link #ILLEGAL}. An uncertain operation never is
     * illegal: it applies if it can, else it is a no-op (which the search skips: leaving it out is the same).
     */
    static long step(long s, ModelOp o) {
        if (o.uncertain) {
            long applied = apply(s, o);
            return applied == ILLEGAL ? s : applied;
        }
        if (o.error != null) {
            return refusalHolds(s, o) ? s : ILLEGAL;
        }
        switch (o.type) {
            case READ:
                if (o.resultKind == Result.Kind.ABSENT) {
                    return exists(s) ? ILLEGAL : s;
                }
                return exists(s) && valueId(s) == o.resultValueId && version(s) == o.resultVersion ? s : ILLEGAL;
            default:
                long next = apply(s, o);
                if (next != ILLEGAL && next != ABSENT && o.resultKind == Result.Kind.VERSION
                        && version(next) != o.resultVersion) {
                    return ILLEGAL;
                }
                return next;
        }
    }

    /** The effect of a mutation if its preconditions hold, else {@link #ILLEGAL}. */
    private static long apply(long s, ModelOp o) {
        boolean exists = exists(s);
        switch (o.type) {
            case WRITE:
                return exists ? pack(true, o.valueId, version(s) + 1) : ILLEGAL;
            case CAS:
                return exists && version(s) == o.expectedVersion ? pack(true, o.valueId, version(s) + 1) : ILLEGAL;
            case CREATE:
                return exists ? ILLEGAL : pack(true, o.valueId, 0);
            case DELETE:
                return exists && (o.expectedVersion == -1 || version(s) == o.expectedVersion) ? ABSENT : ILLEGAL;
            default:
                return ILLEGAL;
        }
    }

    private static boolean refusalHolds(long s, ModelOp o) {
        switch (o.error) {
            case NONODE:
                return !exists(s);
            case NODEEXISTS:
                return exists(s) && o.type == Op.Type.CREATE;
            default:
                return exists(s) && o.expectedVersion != -1 && version(s) != o.expectedVersion
                        && (o.type == Op.Type.CAS
                            || o.type == Op.Type.DELETE);
        }
    }

    /** Why {@code o} cannot take effect at {@code state} (rendered with real values), for violation reports. */
    static String whyNot(RegisterState state, ModelOp o) {
        String at = " but the register is " + state;
        if (o.error != null) {
            return "refused with " + o.error + at;
        }
        switch (o.type) {
            case READ:
                return "read " + o.source.result() + at;
            case WRITE:
            case CAS:
            case CREATE:
            case DELETE:
                return o.source.op() + " answered " + o.source.result() + at;
            default:
                return "impossible" + at;
        }
    }
}
