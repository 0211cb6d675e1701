package io.canopy.testcluster.history;

/**
 * Returned by {@link History#invoke} and passed back to complete the operation. Opaque on purpose: it is
 * only meaningful to the history that issued it.
 */
public final class OpHandle {

    final History owner;
    final int index;

    OpHandle(History owner, int index) {
        this.owner = owner;
        this.index = index;
    }

    /** The id of the operation in its history (its invocation rank). */
    public long id() {
        return index;
    }

    @Override
    public String toString() {
        return "op#" + index;
    }
}
