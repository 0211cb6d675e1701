package io.canopy.node.replication;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The state at one applied index, captured on the apply thread and written later by the snapshot thread while
 * apply goes on. Writing must produce exactly the state as of the capture, whatever was applied since.
 */
@FunctionalInterface
public interface CapturedSnapshot {

    /** Writes the snapshot stream that {@link StateMachineApplier#restoreSnapshot} reads back. */
    void writeTo(OutputStream out) throws IOException;
}
