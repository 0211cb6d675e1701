package io.canopy.testcluster.history;

/** How an operation ended, in Knossos/Jepsen terms. */
public enum Outcome {
    /** Still in flight: the checker treats it like {@link #INFO}. */
    PENDING,
    /** Applied, with a {@link Result}. */
    OK,
    /** Definitely not applied; if a {@link ZkError} is attached, the refusal is itself checked. */
    FAIL,
    /** Unknown: it may have taken effect at any time after its invocation, even after the history ends. */
    INFO
}
