package io.canopy.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import io.canopy.core.RunVerdict.Decision;
import io.canopy.core.txn.Run;

/**
 * Where each node's stream of transactions stands in the state: its current stream and the number of the last
 * transaction applied from it. Part of the replicated state (and of snapshots): every replica decides alike.
 * <p>
 * A run is admitted only if it continues its stream ({@code firstSeq == last + 1}) or starts a newer stream at 1;
 * a run already applied is a duplicate; anything else (a gap, an older stream, an overlap) is refused. Since a
 * node numbers its transactions in the order it proposes them, the transactions of a node that reach the state
 * are a prefix of each of its streams, and a stream's stragglers cannot land after its successor has begun.
 */
public final class StreamTable {

    record Position(long stream, long lastSeq) {
    }

    /** By origin node, in order (snapshots write it as is). */
    private final TreeMap<Integer, Position> positions;

    public StreamTable() {
        this(new TreeMap<>());
    }

    private StreamTable(TreeMap<Integer, Position> positions) {
        this.positions = positions;
    }

    /** Writes the table: {@code [int count]([int origin][long stream][long lastSeq])*} by origin. */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(positions.size());
        for (Map.Entry<Integer, Position> e : positions.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue().stream());
            out.writeLong(e.getValue().lastSeq());
        }
    }

    /** Reads what {@link #writeTo} wrote. @throws IOException on a malformed table */
    public static StreamTable readFrom(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("negative stream count");
        }
        TreeMap<Integer, Position> positions = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int origin = in.readInt();
            long stream = in.readLong();
            long lastSeq = in.readLong();
            if (stream <= 0 || lastSeq <= 0 || positions.put(origin, new Position(stream, lastSeq)) != null) {
                throw new IOException("bad stream position for node " + origin);
            }
        }
        return new StreamTable(positions);
    }

    public RunVerdict admit(Run run) {
        Position p = positions.get(run.origin());
        Decision d;
        if (p == null || run.stream() > p.stream()) {
            d = run.firstSeq() == 1 ? Decision.ADMITTED : Decision.REFUSED;
        } else if (run.stream() < p.stream()) {
            d = Decision.REFUSED;
        } else if (run.lastSeq() <= p.lastSeq()) {
            d = Decision.DUPLICATE;
        } else {
            d = run.firstSeq() == p.lastSeq() + 1 ? Decision.ADMITTED : Decision.REFUSED;
        }
        if (d == Decision.ADMITTED) {
            p = new Position(run.stream(), run.lastSeq());
            positions.put(run.origin(), p);
        }
        return new RunVerdict(run, d, p == null ? 0 : p.stream());
    }

    /** A copy (for a snapshot: later applies do not change it). */
    public StreamTable copy() {
        return new StreamTable(new TreeMap<>(positions));
    }

    /** The positions by origin, a copy. */
    Map<Integer, Position> positions() {
        return new TreeMap<>(positions);
    }

    /** Where {@code origin}'s stream stands, or null if it never proposed a run. */
    Position position(int origin) {
        return positions.get(origin);
    }
}
