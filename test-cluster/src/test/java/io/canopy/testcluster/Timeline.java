package io.canopy.testcluster;

import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.OpHandle;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.history.ZkError;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds a {@link History} from operations given with explicit [start, end] times, by replaying their
 * invocations and completions in time order through the real recording API on a fake clock.
 */
public final class Timeline {

    private enum Kind { OK, FAIL, INFO, PENDING }

    private record Spec(String client, long start, long end, Op op, Kind kind, Result result, ZkError error) {
    }

    private record Event(long time, boolean invoke, int spec) {
    }

    private final List<Spec> specs = new ArrayList<>();

    public Timeline ok(String client, long start, long end, Op op, Result result) {
        return add(new Spec(client, start, end, op, Kind.OK, result, null));
    }

    /** A definite failure; {@code error} may be null (then it proves nothing and is dropped by the checker). */
    public Timeline fail(String client, long start, long end, Op op, ZkError error) {
        return add(new Spec(client, start, end, op, Kind.FAIL, null, error));
    }

    /** An unknown outcome, detected (connection loss) at {@code end}. */
    public Timeline info(String client, long start, long end, Op op) {
        return add(new Spec(client, start, end, op, Kind.INFO, null, null));
    }

    /** Never completed. */
    public Timeline pending(String client, long start, Op op) {
        return add(new Spec(client, start, start, op, Kind.PENDING, null, null));
    }

    private Timeline add(Spec spec) {
        if (spec.end < spec.start) {
            throw new IllegalArgumentException("ends before it starts: " + spec);
        }
        specs.add(spec);
        return this;
    }

    public History toHistory() {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            events.add(new Event(specs.get(i).start, true, i));
            if (specs.get(i).kind != Kind.PENDING) {
                events.add(new Event(specs.get(i).end, false, i));
            }
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparing(e -> e.invoke ? 0 : 1)
                .thenComparingInt(Event::spec));
        long[] now = new long[1];
        History history = new History(() -> now[0]);
        OpHandle[] handles = new OpHandle[specs.size()];
        for (Event e : events) {
            now[0] = e.time;
            Spec s = specs.get(e.spec);
            if (e.invoke) {
                handles[e.spec] = history.invoke(s.client, s.op);
            } else if (s.kind == Kind.OK) {
                history.ok(handles[e.spec], s.result);
            } else if (s.kind == Kind.INFO) {
                history.info(handles[e.spec]);
            } else if (s.error == null) {
                history.fail(handles[e.spec]);
            } else {
                history.fail(handles[e.spec], s.error);
            }
        }
        return history;
    }
}
