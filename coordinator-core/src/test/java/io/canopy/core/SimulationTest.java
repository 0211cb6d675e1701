package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.jute.Record;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CheckVersionRequest;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.CreateTTLRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.canopy.core.acl.Authentication;
import io.canopy.core.tree.DataTree;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Txn;
import io.canopy.core.txn.TxnTypes;
import io.canopy.protocol.Jute;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;

/**
 * Seeded deterministic simulation: three replicas apply the same random entries (through the wire codec); one
 * restarts from its own snapshot half way. After every entry their digests, outcomes and invariants must agree.
 */
class SimulationTest {
    static final int REPLICAS = 3;
    static final int ENTRIES = 400;
    static final String[] NAMES = {"a", "b", "c", "d"};
    static final List<Id> ALICE = List.of(new Id("ip", "127.0.0.1"),
            new Id("digest", Authentication.generateDigest("alice:pw")));

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20240601})
    void replicasStayIdentical(long seed) throws IOException {
        Random rnd = new Random(seed);
        CoordinatorState[] replicas = new CoordinatorState[REPLICAS];
        for (int i = 0; i < REPLICAS; i++) {
            replicas[i] = new CoordinatorState(CoreSettings.defaults());
        }
        List<Long> live = new ArrayList<>();
        long time = 1_000_000;
        long index = 0;
        for (int e = 0; e < ENTRIES; e++) {
            time += rnd.nextInt(50);
            index += 1 + rnd.nextInt(3);
            List<Txn> txns = new ArrayList<>();
            int count = 1 + rnd.nextInt(6);
            for (int t = 0; t < count; t++) {
                txns.add(randomTxn(rnd, live, replicas[0], time));
            }
            byte[] entry = BatchCodec.encode(new Batch(time, txns, rnd.nextInt(4) != 0));
            ApplyResult first = null;
            for (int i = 0; i < REPLICAS; i++) {
                ApplyResult r = replicas[i].apply(index, BatchCodec.decode(entry));
                replicas[i].checkInvariants();
                if (first == null) {
                    first = r;
                    trackSessions(r, live);
                } else {
                    assertThat(summary(r)).as("seed %d entry %d replica %d outcomes", seed, e, i)
                            .isEqualTo(summary(first));
                }
            }
            long digest = replicas[0].digest();
            long treeDigest = replicas[0].treeDigest();
            for (int i = 1; i < REPLICAS; i++) {
                assertThat(replicas[i].digest()).as("seed %d entry %d replica %d digest", seed, e, i)
                        .isEqualTo(digest);
                assertThat(replicas[i].treeDigest()).as("seed %d entry %d replica %d tree digest", seed, e, i)
                        .isEqualTo(treeDigest);
            }
            if (e == ENTRIES / 2) {
                replicas[REPLICAS - 1] = restart(replicas[REPLICAS - 1], seed);
            }
        }
        assertThat(replicas[0].stats().nodeCount()).as("seed %d made progress", seed).isGreaterThan(4);
    }

    private static CoordinatorState restart(CoordinatorState s, long seed) throws IOException {
        byte[] snap = snapshot(s);
        CoordinatorState back = CoordinatorState.readSnapshot(
                new DataInputStream(new ByteArrayInputStream(snap)), CoreSettings.defaults());
        assertThat(snapshot(back)).as("seed %d snapshot byte-identical", seed).isEqualTo(snap);
        assertThat(back.digest()).isEqualTo(s.digest());
        assertThat(back.treeDigest()).isEqualTo(s.treeDigest());
        assertThat(back.lastZxid()).isEqualTo(s.lastZxid());
        assertThat(back.lastAppliedIndex()).isEqualTo(s.lastAppliedIndex());
        return back;
    }

    static byte[] snapshot(CoordinatorState s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeSnapshot(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static List<String> summary(ApplyResult r) {
        List<String> out = new ArrayList<>();
        for (TxnOutcome o : r.outcomes()) {
            out.add(o.zxid() + ":" + o.err() + ":" + (o.response() == null ? "" : o.response().toString())
                    + ":" + o.triggers() + ":" + o.closedSessionId() + ":" + o.quotaWarnings());
        }
        return out;
    }

    static void trackSessions(ApplyResult r, List<Long> live) {
        for (TxnOutcome o : r.outcomes()) {
            if (o.txn().type() == OpCode.CREATE_SESSION && o.err() == 0) {
                live.add(o.txn().sessionId());
            }
            if (o.closedSessionId() != 0) {
                live.remove(o.closedSessionId());
            }
        }
    }

    private static String path(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int depth = 1 + rnd.nextInt(3);
        for (int i = 0; i < depth; i++) {
            sb.append('/').append(NAMES[rnd.nextInt(NAMES.length)]);
        }
        return sb.toString();
    }

    private static Txn txn(long session, int type, byte[] body, List<Id> ids) {
        return new Txn(session, 1, type, body, ids, 1, 0);
    }

    static Txn randomTxn(Random rnd, List<Long> live, CoordinatorState view, long time) {
        long session = live.isEmpty() || rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(50) : live.get(rnd.nextInt(live.size()));
        List<Id> ids = rnd.nextBoolean() ? ALICE : List.of(new Id("ip", "10.0.0.1"));
        int kind = rnd.nextInt(100);
        if (kind < 6) {
            return txn(1 + rnd.nextInt(50), OpCode.CREATE_SESSION,
                    InternalBodies.createSession(1000 + rnd.nextInt(1000), new byte[] {(byte) kind}), List.of());
        } else if (kind < 9) {
            return txn(session, OpCode.CLOSE_SESSION, new byte[0], List.of());
        } else if (kind < 12) {
            return txn(0, TxnTypes.REAP, InternalBodies.reap(view.reapCandidates(time, 5)), List.of());
        } else if (kind < 13) {
            return txn(0, TxnTypes.SET_CONFIG, InternalBodies.setConfig("v=" + rnd.nextInt()), List.of());
        } else if (kind < 20) {
            MultiRequest m = new MultiRequest();
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                Record r = writeRequest(rnd);
                m.add(typeOf(r, rnd), r);
            }
            return txn(session, OpCode.MULTI, Jute.toBytes(m), ids);
        }
        Record r = rnd.nextInt(10) == 0 ? new SetACLRequest(path(rnd), acl(rnd), -1) : writeRequest(rnd);
        int type = r instanceof SetACLRequest ? OpCode.SET_ACL : typeOf(r, rnd);
        byte[] body = Jute.toBytes(r);
        if (rnd.nextInt(50) == 0) {
            body = java.util.Arrays.copyOf(body, body.length / 2);
        }
        return txn(session, type, body, ids);
    }

    private static List<ACL> acl(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> List.of(new ACL(31, new Id("auth", "")));
            case 1 -> List.of(new ACL(1, new Id("world", "anyone")), new ACL(31, new Id("ip", "10.0.0.0/8")));
            default -> DataTree.OPEN_ACL;
        };
    }

    private static int typeOf(Record r, Random rnd) {
        if (r instanceof CreateTTLRequest) {
            return OpCode.CREATE_TTL;
        }
        if (r instanceof CreateRequest c) {
            return c.getFlags() == CreateFlags.CONTAINER ? OpCode.CREATE_CONTAINER
                    : rnd.nextBoolean() ? OpCode.CREATE : OpCode.CREATE2;
        }
        if (r instanceof DeleteRequest) {
            return OpCode.DELETE;
        }
        if (r instanceof SetDataRequest) {
            return OpCode.SET_DATA;
        }
        return OpCode.CHECK;
    }

    /** Quota nodes for the quota roots /a and /a/b (nested, as the server allows), and their parents. */
    private static final String[] QUOTA_PATHS = {"/zookeeper/quota/a", "/zookeeper/quota/a/b",
        "/zookeeper/quota/a/zookeeper_limits", "/zookeeper/quota/a/zookeeper_stats",
        "/zookeeper/quota/a/b/zookeeper_limits", "/zookeeper/quota/a/b/zookeeper_stats"};
    /** Limits: hard ones the random writes run into, soft ones, and text that does not parse. */
    private static final String[] LIMITS = {"count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2",
        "count=-1,bytes=-1=;byteHardLimit=3;countHardLimit=-1", "count=1,bytes=1", "count=x,bytes"};

    private static Record writeRequest(Random rnd) {
        boolean quotaNode = rnd.nextInt(6) == 0;
        String p = quotaNode ? QUOTA_PATHS[rnd.nextInt(QUOTA_PATHS.length)] : path(rnd);
        int v = rnd.nextInt(4) - 1;
        byte[] data = quotaNode && rnd.nextInt(4) != 0 ? LIMITS[rnd.nextInt(LIMITS.length)].getBytes()
                : new byte[rnd.nextInt(5)];
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> new CreateRequest(p, quotaNode ? data : rnd.nextBoolean() ? null : new byte[] {1},
                    new ArrayList<>(acl(rnd)), new int[] {0, 1, 2, 3, 4}[rnd.nextInt(5)]);
            case 3 -> new CreateTTLRequest(p, new byte[0], new ArrayList<>(DataTree.OPEN_ACL),
                    CreateFlags.PERSISTENT_WITH_TTL + rnd.nextInt(2), rnd.nextInt(200));
            case 4, 5 -> new DeleteRequest(p, v);
            case 6, 7, 8 -> new SetDataRequest(p, data, v);
            default -> new CheckVersionRequest(p, v);
        };
    }
}
