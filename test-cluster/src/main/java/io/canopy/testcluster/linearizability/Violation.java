package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.Operation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The explanation of a non-linearizable key, taken where the search got furthest in time: every
 * linearization of the history stops before the return of {@link #blocked}. It shows the register state
 * there, the last operations linearized to reach it, and the operations that could have come next, each
 * with the reason it could not.
 *
 * @param key              the znode
 * @param blocked          the operation whose return no linearization could get past
 * @param state            the register state at that furthest point
 * @param linearizedBefore the last operations (oldest first) of the linearization that reached the state
 * @param candidates       the operations pending there (including {@code blocked}) and why each failed
 * @param idleUnknown      how many more operations with unknown outcome were pending there but could have no
 *                         effect in that state (left out of {@code candidates}: they explain nothing)
 */
public record Violation(String key, Operation blocked, RegisterState state, List<Operation> linearizedBefore,
                        List<Candidate> candidates, int idleUnknown) {

    /** A pending operation at the stuck point and why it could not be linearized there. */
    public record Candidate(Operation op, String why) {
    }

    public Violation {
        linearizedBefore = List.copyOf(linearizedBefore);
        candidates = List.copyOf(candidates);
    }

    /** The operations of the excerpt, by id: what to look at first in a post-mortem. */
    public List<Operation> opsInvolved() {
        Map<Long, Operation> byId = new TreeMap<>();
        for (Operation o : linearizedBefore) {
            byId.put(o.id(), o);
        }
        for (Candidate c : candidates) {
            byId.put(c.op().id(), c.op());
        }
        byId.put(blocked.id(), blocked);
        List<Operation> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparingLong(Operation::id));
        return out;
    }

    /** A few lines for a test failure message. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(key).append(": no linearization gets past the return of\n    ").append(blocked).append('\n');
        sb.append("  register there: ").append(state);
        if (linearizedBefore.isEmpty()) {
            sb.append(" (initial state)\n");
        } else {
            sb.append(", reached by linearizing (last ").append(linearizedBefore.size()).append("):\n");
            for (Operation o : linearizedBefore) {
                sb.append("    ").append(o).append('\n');
            }
        }
        sb.append("  pending there, none of which leads to a linearization:\n");
        for (Candidate c : candidates) {
            sb.append("    ").append(c.op()).append("\n      -> ").append(c.why()).append('\n');
        }
        if (idleUnknown > 0) {
            sb.append("    (and ").append(idleUnknown).append(" ops with unknown outcome that could not apply there)\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
