package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.proto.DeleteRequest;
import org.apache.zookeeper.proto.SetACLRequest;
import org.apache.zookeeper.proto.SetDataRequest;
import org.junit.jupiter.api.Test;

import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.Txn;
import io.canopy.protocol.MultiRequest;
import io.canopy.protocol.OpCode;
import io.canopy.protocol.ZkConstants.CreateFlags;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A captured image must be exactly the state at the capture index, however much the live state changes before
 * the image is written: byte for byte the snapshot of a replica that stopped there.
 */
class SnapshotImageTest {
    static final long S1 = 0x300000000001L;
    static final long S2 = 0x300000000002L;

    private static byte[] bytes(SnapshotImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        image.writeTo(new DataOutputStream(out));
        return out.toByteArray();
    }

    /** The same prefix of entries on two replicas; the first keeps applying after the capture. */
    private static void prefix(Harness h) {
        h.openSession(S1);
        h.openSession(S2);
        h.create(S1, "/app", "root", 0);
        for (int i = 0; i < 20; i++) {
            h.create(S1, "/app/n" + i, "v" + i, 0);
        }
        h.create(S2, "/app/n3/eph", "e", CreateFlags.EPHEMERAL);
        h.create(S2, "/app/seq-", "s", CreateFlags.EPHEMERAL_SEQUENTIAL);
        h.setData(S1, "/app/n1", "changed", 0);
    }

    private static void churn(Harness h) {
        for (int i = 20; i < 60; i++) {
            h.create(S1, "/app/n" + i, "later" + i, 0);
        }
        for (int i = 0; i < 10; i++) {
            h.delete(S1, "/app/n" + (i == 3 ? 15 : i), -1);
        }
        h.setData(S1, "/app/n1x", "nope", -1); // NONODE: an outcome, nothing changes
        h.setData(S1, "/app/n12", "new data", 0);
        h.setData(S1, "/app", "new root data", -1);
        h.apply(S1, OpCode.SET_ACL, new SetACLRequest("/app/n13",
                List.of(new ACL(1, new Id("world", "anyone")), new ACL(31, new Id("ip", "10.0.0.0/8"))), -1));
        h.apply(S1, OpCode.SET_ACL, new SetACLRequest("/app", List.of(new ACL(31, new Id("ip", "10.0.0.0/8"))),
                -1));
        MultiRequest failing = new MultiRequest();
        failing.add(OpCode.CREATE, new CreateRequest("/app/m", new byte[1], Harness.OPEN, 0));
        failing.add(OpCode.SET_DATA, new SetDataRequest("/app/n14", new byte[2], 0));
        failing.add(OpCode.DELETE, new DeleteRequest("/app/missing", -1));
        h.apply(S1, OpCode.MULTI, failing); // rolled back: the undo path restores the old states
        h.closeSession(S2); // removes its ephemerals, changes the parents' pzxid
        h.openSession(0x300000000003L);
    }

    @Test
    void imageWrittenAfterMoreAppliesIsTheStateAtCapture() throws Exception {
        Harness live = new Harness();
        Harness stopped = new Harness();
        prefix(live);
        prefix(stopped);
        SnapshotImage image = live.state.captureSnapshot();
        long digestAtCapture = live.state.digest();

        churn(live);

        byte[] expected = SimulationTest.snapshot(stopped.state);
        assertThat(live.state.digest()).as("the live state did change").isNotEqualTo(digestAtCapture);
        assertThat(bytes(image)).isEqualTo(expected);
        assertThat(bytes(image)).as("writing twice gives the same bytes").isEqualTo(expected);
        CoordinatorState back = CoordinatorState.readSnapshot(
                new DataInputStream(new ByteArrayInputStream(bytes(image))), CoreSettings.defaults());
        assertThat(back.digest()).isEqualTo(stopped.state.digest()).isEqualTo(digestAtCapture);
        assertThat(image.lastAppliedIndex()).isEqualTo(stopped.index);
        assertThat(image.nodeCount()).isEqualTo(stopped.state.stats().nodeCount());
    }

    @Test
    void imageIsWrittenOnAnotherThreadWhileApplyContinues() throws Exception {
        Harness live = new Harness();
        Harness stopped = new Harness();
        prefix(live);
        prefix(stopped);
        for (int i = 0; i < 2000; i++) {
            live.create(S1, "/app/bulk" + i, "x".repeat(i % 50), 0);
            stopped.create(S1, "/app/bulk" + i, "x".repeat(i % 50), 0);
        }
        SnapshotImage image = live.state.captureSnapshot();
        CompletableFuture<byte[]> written = CompletableFuture.supplyAsync(() -> {
            try {
                return bytes(image);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (int i = 0; i < 2000; i++) {
            live.setData(S1, "/app/bulk" + i, "y", -1);
            live.delete(S1, "/app/bulk" + i, -1);
        }
        churn(live);
        assertThat(written.get(60, TimeUnit.SECONDS)).isEqualTo(SimulationTest.snapshot(stopped.state));
    }

    /** Seeded random entries (the simulation's generator): capture after some, write after many more. */
    @Property(tries = 60)
    void imageEqualsTheSnapshotOfAReplicaStoppedAtCapture(@ForAll long seed,
                                                         @ForAll @IntRange(min = 0, max = 120) int before,
                                                         @ForAll @IntRange(min = 1, max = 120) int after)
            throws IOException {
        Random rnd = new Random(seed);
        CoordinatorState live = new CoordinatorState(CoreSettings.defaults());
        CoordinatorState stopped = new CoordinatorState(CoreSettings.defaults());
        List<Long> sessions = new ArrayList<>();
        long time = 1_000_000;
        long index = 0;
        SnapshotImage image = null;
        for (int e = 0; e < before + after; e++) {
            if (e == before) {
                image = live.captureSnapshot();
            }
            time += rnd.nextInt(50);
            index += 1 + rnd.nextInt(3);
            List<Txn> txns = new ArrayList<>();
            for (int t = 1 + rnd.nextInt(6); t > 0; t--) {
                txns.add(SimulationTest.randomTxn(rnd, sessions, live, time));
            }
            byte[] entry = BatchCodec.encode(new Batch(time, txns));
            SimulationTest.trackSessions(live.apply(index, BatchCodec.decode(entry)), sessions);
            if (e < before) {
                stopped.apply(index, BatchCodec.decode(entry));
            }
        }
        assertThat(bytes(image)).isEqualTo(SimulationTest.snapshot(stopped));
    }

    /**
     * The image sorts a flat capture; the digest walks the tree. Names with characters below '/' ("a-b", "a.b",
     * "a b") and above ASCII are where a plain string sort would disagree with the tree's order.
     */
    @Property(tries = 200)
    void imageOrderIsTheTreesCanonicalOrder(@ForAll long seed) throws Exception {
        String[] names = {"a", "a-b", "a.b", "a b", "a!", "ab", "a0", "b", "Z", "_", "~", "\u00e9", "a\u00e9"};
        Random rnd = new Random(seed);
        Harness h = new Harness();
        h.openSession(S1);
        for (int i = 0; i < 40; i++) {
            StringBuilder path = new StringBuilder();
            for (int depth = 1 + rnd.nextInt(3); depth > 0; depth--) {
                path.append('/').append(names[rnd.nextInt(names.length)]);
            }
            h.create(S1, path.toString(), null, rnd.nextInt(4) == 0 ? CreateFlags.EPHEMERAL : 0);
        }
        ByteArrayOutputStream state = new ByteArrayOutputStream();
        h.state.captureSnapshot().writeStateTo(new DataOutputStream(state));
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(state.toByteArray());
        assertThat(ByteBuffer.wrap(sha).getLong()).isEqualTo(h.state.digest());
    }
}
