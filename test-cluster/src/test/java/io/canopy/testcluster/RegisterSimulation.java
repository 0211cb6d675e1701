package io.canopy.testcluster;

import io.canopy.testcluster.history.History;
import io.canopy.testcluster.history.Op;
import io.canopy.testcluster.history.Result;
import io.canopy.testcluster.history.ZkError;
import io.canopy.testcluster.linearizability.RegisterState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Linearizable histories by construction: clients issue operations with random concurrency windows, each
 * operation takes effect at a random point inside its window (an unknown-outcome one anywhere after its
 * invocation, or never) and its answer comes from a plain sequential znode executed in that order. The
 * reference is deliberately written independently of the checker's model.
 */
public final class RegisterSimulation {

    /** The shape of a simulated run. */
    public record Config(int clients, int keys, int ops, int maxWindow, double infoRate, boolean createDelete) {
    }

    /** A simulated operation and its answer. */
    public record SimOp(int index, String client, Op op, long start, long end, String kind, Result result,
                        ZkError error) {
    }

    private final Config config;
    private final List<SimOp> ops;
    /** Per key, the states in order (no create/delete: state i has version i). */
    private final Map<String, List<RegisterState>> states;

    private RegisterSimulation(Config config, List<SimOp> ops, Map<String, List<RegisterState>> states) {
        this.config = config;
        this.ops = ops;
        this.states = states;
    }

    public List<SimOp> ops() {
        return ops;
    }

    public RegisterState initialState() {
        return config.createDelete ? RegisterState.absent() : RegisterState.of("init", 0);
    }

    public History toHistory() {
        Timeline t = new Timeline();
        for (SimOp o : ops) {
            switch (o.kind) {
                case "ok":
                    t.ok(o.client, o.start, o.end, o.op, o.result);
                    break;
                case "fail":
                    t.fail(o.client, o.start, o.end, o.op, o.error);
                    break;
                default:
                    t.info(o.client, o.start, o.end, o.op);
            }
        }
        return t.toHistory();
    }

    /** Runs a simulation. */
    public static RegisterSimulation run(Config config, Random random) {
        List<Draft> drafts = schedule(config, random);
        Map<String, List<RegisterState>> states = new HashMap<>();
        List<Draft> byEffect = new ArrayList<>(drafts);
        byEffect.sort(Comparator.comparingLong((Draft d) -> d.effectAt).thenComparingInt(d -> d.index));
        Map<String, Reference> refs = new HashMap<>();
        for (Draft d : byEffect) {
            Reference ref = refs.computeIfAbsent(d.key, k -> new Reference(config.createDelete));
            List<RegisterState> keyStates = states.computeIfAbsent(d.key, k -> new ArrayList<>(
                    List.of(ref.state())));
            if (d.effectAt == Long.MAX_VALUE) {
                d.op = ref.arguments(d, random, false);
            } else {
                d.op = ref.arguments(d, random, true);
                ref.execute(d, random);
                if (!keyStates.get(keyStates.size() - 1).equals(ref.state())) {
                    keyStates.add(ref.state());
                }
            }
        }
        List<SimOp> out = new ArrayList<>();
        for (Draft d : drafts) {
            out.add(new SimOp(d.index, d.client, d.op, d.start, d.end, d.kind, d.result, d.error));
        }
        return new RegisterSimulation(config, out, states);
    }

    /** Times, clients, keys, types and outcome kinds; arguments and answers come when executed. */
    private static List<Draft> schedule(Config c, Random random) {
        long[] clock = new long[c.clients];
        for (int i = 0; i < c.clients; i++) {
            clock[i] = random.nextInt(10);
        }
        List<Draft> drafts = new ArrayList<>();
        for (int i = 0; i < c.ops; i++) {
            int client = 0;
            for (int j = 1; j < c.clients; j++) {
                client = clock[j] < clock[client] ? j : client;
            }
            Draft d = new Draft();
            d.index = i;
            d.client = "c" + client;
            d.key = "/k" + random.nextInt(c.keys);
            d.type = pickType(c, random);
            d.start = clock[client] + 1 + random.nextInt(5);
            long duration = 1 + random.nextInt(c.maxWindow);
            d.end = d.start + duration;
            clock[client] = d.end;
            double roll = random.nextDouble();
            if (roll < c.infoRate) {
                d.kind = "info";
                boolean applied = d.type != Op.Type.READ && random.nextBoolean();
                d.effectAt = applied ? d.start + random.nextInt((int) duration * 4 + 1) : Long.MAX_VALUE;
            } else if (roll < c.infoRate + 0.01) {
                d.kind = "fail";
                d.effectAt = Long.MAX_VALUE;
            } else {
                d.kind = "ok";
                d.effectAt = d.start + random.nextInt((int) duration + 1);
            }
            drafts.add(d);
        }
        return drafts;
    }

    private static Op.Type pickType(Config c, Random random) {
        int roll = random.nextInt(100);
        if (c.createDelete && roll >= 80) {
            return roll >= 90 ? Op.Type.DELETE : Op.Type.CREATE;
        }
        return roll < 40 ? Op.Type.READ : roll < 60 ? Op.Type.WRITE : Op.Type.CAS;
    }

    /**
     * A copy in which one successful read returns a stale state that the history proves stale: a write
     * that answered a higher version had already returned when the read was invoked. Empty if no read
     * qualifies. Only for runs without create/delete (versions then only grow).
     */
    public Optional<RegisterSimulation> withStaleRead(Random random) {
        if (config.createDelete) {
            throw new IllegalStateException("stale reads are only provable without create/delete");
        }
        List<int[]> candidates = new ArrayList<>();
        for (SimOp r : ops) {
            if (r.op.type() == Op.Type.READ && "ok".equals(r.kind) && r.result.kind() == Result.Kind.PRESENT) {
                int proven = highestVersionReturnedBefore(r.op.key(), r.start);
                if (proven > 0) {
                    candidates.add(new int[] {r.index, proven});
                }
            }
        }
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        int[] pick = candidates.get(random.nextInt(candidates.size()));
        SimOp read = ops.get(pick[0]);
        RegisterState stale = states.get(read.op.key()).get(random.nextInt(pick[1]));
        List<SimOp> copy = new ArrayList<>(ops);
        copy.set(read.index, new SimOp(read.index, read.client, read.op, read.start, read.end, "ok",
                Result.read(stale.value(), stale.version()), null));
        return Optional.of(new RegisterSimulation(config, copy, states));
    }

    private int highestVersionReturnedBefore(String key, long time) {
        int highest = 0;
        for (SimOp o : ops) {
            if (o.op.key().equals(key) && "ok".equals(o.kind) && o.end < time && o.result != null
                    && o.result.kind() == Result.Kind.VERSION) {
                highest = Math.max(highest, o.result.version());
            }
        }
        return highest;
    }

    /** An operation being simulated. */
    private static final class Draft {
        int index;
        String client;
        String key;
        Op.Type type;
        long start;
        long end;
        long effectAt;
        String kind;
        Op op;
        Result result;
        ZkError error;
    }

    /** A sequential znode: the reference implementation. */
    private static final class Reference {
        boolean exists;
        String value;
        int version;

        Reference(boolean startAbsent) {
            exists = !startAbsent;
            value = startAbsent ? null : "init";
        }

        RegisterState state() {
            return exists ? RegisterState.of(value, version) : RegisterState.absent();
        }

        /** Arguments, chosen with the current state in view so that CAS and delete often match. */
        Op arguments(Draft d, Random random, boolean executed) {
            String written = "v" + d.index;
            int near = executed ? version : random.nextInt(4);
            int expected = random.nextInt(10) < 6 ? near : Math.max(0, near - 1 - random.nextInt(2));
            switch (d.type) {
                case READ:
                    return Op.read(d.key);
                case WRITE:
                    return Op.write(d.key, written);
                case CAS:
                    return Op.cas(d.key, expected, written);
                case CREATE:
                    return Op.create(d.key, written);
                default:
                    return Op.delete(d.key, random.nextBoolean() ? -1 : expected);
            }
        }

        void execute(Draft d, Random random) {
            Op op = d.op;
            switch (op.type()) {
                case READ:
                    d.result = exists ? Result.read(value, version) : Result.absent();
                    return;
                case WRITE:
                case CAS:
                    if (!exists) {
                        refuse(d, ZkError.NONODE);
                    } else if (op.type() == Op.Type.CAS && op.expectedVersion() != version) {
                        refuse(d, ZkError.BADVERSION);
                    } else {
                        value = op.value();
                        version++;
                        d.result = random.nextInt(10) == 0 ? Result.done() : Result.version(version);
                    }
                    return;
                case CREATE:
                    if (exists) {
                        refuse(d, ZkError.NODEEXISTS);
                    } else {
                        exists = true;
                        value = op.value();
                        version = 0;
                        d.result = Result.version(0);
                    }
                    return;
                default:
                    if (!exists) {
                        refuse(d, ZkError.NONODE);
                    } else if (op.expectedVersion() != -1 && op.expectedVersion() != version) {
                        refuse(d, ZkError.BADVERSION);
                    } else {
                        exists = false;
                        value = null;
                        version = 0;
                        d.result = Result.done();
                    }
            }
        }

        private static void refuse(Draft d, ZkError error) {
            d.result = null;
            if ("ok".equals(d.kind)) {
                d.kind = "fail";
                d.error = error;
            }
        }
    }
}
