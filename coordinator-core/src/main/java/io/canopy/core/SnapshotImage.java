package io.canopy.core;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.CanonicalOrder;
import io.canopy.core.tree.DataTree;
import io.canopy.core.tree.NodeState;

/**
 * The state at one log index, captured by reference so that it can be serialized later, on another thread,
 * while apply keeps changing the live state. Canopy cannot take ZooKeeper's "fuzzy" snapshots (apply
 * re-executes requests, so replaying an entry the snapshot already holds would answer NODEEXISTS, BADVERSION
 * ...): a snapshot must be exactly the state at one index, and this is how that stays cheap. Capture copies one
 * reference per node (the tree replaces a node's {@link NodeState} instead of mutating it, and never mutates
 * data arrays or ACL lists); the costly part, sorting into canonical order and writing, happens in
 * {@link #writeTo}. Immutable; {@link #writeTo} may run on any thread, any number of times.
 */
public final class SnapshotImage {
    private final long lastAppliedIndex;
    private final long lastZxid;
    private final List<SessionTable.Session> sessions;
    private final String[] paths;
    private final NodeState[] states;
    private final StreamTable streams;

    SnapshotImage(long lastAppliedIndex, long lastZxid, Collection<SessionTable.Session> sessions,
                  DataTree.Capture nodes, StreamTable streams) {
        this.streams = streams;
        this.lastAppliedIndex = lastAppliedIndex;
        this.lastZxid = lastZxid;
        this.sessions = List.copyOf(sessions);
        this.paths = nodes.paths();
        this.states = nodes.states();
    }

    /** The log index the image is the state of. */
    public long lastAppliedIndex() {
        return lastAppliedIndex;
    }

    public long lastZxid() {
        return lastZxid;
    }

    public int nodeCount() {
        return paths.length;
    }

    /**
     * Writes the snapshot stream ({@link SnapshotFormat}): exactly the bytes {@link CoordinatorState#writeSnapshot}
     * wrote at the moment of capture, so {@link CoordinatorState#readSnapshot} reads it back.
     */
    public void writeTo(DataOutputStream out) throws IOException {
        SnapshotFormat.writeHeader(out, lastAppliedIndex, lastZxid);
        writeStateTo(out);
        streams.writeTo(out);
        out.flush();
    }

    /** The state segment alone, what a digest hashes. */
    void writeStateTo(DataOutputStream out) throws IOException {
        SnapshotFormat.writeSessions(out, sessions);
        Entry[] sorted = new Entry[paths.length];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = new Entry(paths[i], states[i]);
        }
        Arrays.sort(sorted, (x, y) -> CanonicalOrder.INSTANCE.compare(x.path, y.path));
        out.writeInt(sorted.length);
        for (Entry e : sorted) {
            SnapshotFormat.writeNode(out, e.path, e.state);
        }
    }

    private record Entry(String path, NodeState state) {
    }
}
