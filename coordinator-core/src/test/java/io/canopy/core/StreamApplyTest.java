package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.zookeeper.proto.CreateRequest;
import org.junit.jupiter.api.Test;

import io.canopy.core.RunVerdict.Decision;
import io.canopy.core.txn.Batch;
import io.canopy.core.txn.BatchCodec;
import io.canopy.core.txn.InternalBodies;
import io.canopy.core.txn.Run;
import io.canopy.core.txn.Txn;
import io.canopy.protocol.Jute;
import io.canopy.protocol.OpCode;

/** Runs through {@link CoordinatorState#apply}: only runs that continue their stream change the state. */
class StreamApplyTest {
    static final long S = 0x300000000001L;
    static final long TIME = 1_000_000L;

    private final CoordinatorState state = new CoordinatorState(CoreSettings.defaults());
    private long index;

    StreamApplyTest() {
        state.apply(++index, openSessions());
    }

    /** One session per node, owned by it (a session's writes come through its owner). */
    static Batch openSessions() {
        List<Txn> open = new ArrayList<>();
        for (int origin = 1; origin <= 5; origin++) {
            open.add(new Txn(S + origin, 1, OpCode.CREATE_SESSION, InternalBodies.createSession(30000,
                    new byte[16]), List.of(), origin, 0));
        }
        return new Batch(TIME, open);
    }

    static Txn create(int origin, long seq, String path) {
        return new Txn(S + origin, (int) seq, OpCode.CREATE2, Jute.toBytes(new CreateRequest(path, path.getBytes(),
                new ArrayList<>(Harness.OPEN), 0)), List.of(), origin, seq);
    }

    /** A run of creates of {@code paths}, numbered from {@code firstSeq}. */
    record Piece(Run run, List<Txn> txns) {
    }

    static Piece run(int origin, long stream, long firstSeq, String... paths) {
        List<Txn> txns = new ArrayList<>();
        for (int i = 0; i < paths.length; i++) {
            txns.add(create(origin, firstSeq + i, paths[i]));
        }
        return new Piece(new Run(origin, stream, firstSeq, paths.length), txns);
    }

    static Batch batch(Piece... pieces) {
        List<Txn> txns = new ArrayList<>();
        List<Run> runs = new ArrayList<>();
        for (Piece p : pieces) {
            txns.addAll(p.txns());
            runs.add(p.run());
        }
        Batch b = new Batch(TIME, txns, false, runs);
        // as it travels: through the wire format
        return BatchCodec.decode(BatchCodec.encode(b));
    }

    private ApplyResult apply(CoordinatorState s, List<TxnOutcome> seen, Piece... pieces) {
        ApplyResult r = s.apply(++index, batch(pieces), seen::add);
        s.checkInvariants();
        assertThat(r.logIndex()).isEqualTo(index);
        assertThat(s.lastAppliedIndex()).isEqualTo(index);
        return r;
    }

    private ApplyResult apply(Piece... pieces) {
        return apply(state, new ArrayList<>(), pieces);
    }

    private static List<Decision> decisions(ApplyResult r) {
        return r.verdicts().stream().map(RunVerdict::decision).toList();
    }

    private boolean exists(CoordinatorState s, String path) {
        return s.view().stat(path) != null;
    }

    @Test
    void admittedRunCreatesItsNodes() {
        List<TxnOutcome> seen = new ArrayList<>();
        ApplyResult r = apply(state, seen, run(1, 1, 1, "/a", "/b"));
        assertThat(decisions(r)).containsExactly(Decision.ADMITTED);
        assertThat(r.verdicts().get(0).run()).isEqualTo(new Run(1, 1, 1, 2));
        assertThat(r.verdicts().get(0).currentStream()).isEqualTo(1);
        assertThat(r.outcomes()).extracting(TxnOutcome::err).containsExactly(0, 0);
        assertThat(r.outcomes()).extracting(TxnOutcome::zxid)
                .containsExactly(CoordinatorState.zxid(index, 0), CoordinatorState.zxid(index, 1));
        assertThat(r.outcomes()).extracting(o -> o.txn().originSeq()).containsExactly(1L, 2L);
        assertThat(seen).isEqualTo(r.outcomes());
        assertThat(exists(state, "/a")).isTrue();
        assertThat(exists(state, "/b")).isTrue();
        assertThat(state.view().stat("/b").getCzxid()).isEqualTo(CoordinatorState.zxid(index, 1));
        assertThat(state.lastZxid()).isEqualTo(CoordinatorState.zxid(index, 1));
        assertThat(state.streamPosition(1)).containsExactly(1, 2);
        assertThat(state.streamPosition(2)).isNull();

        ApplyResult next = apply(run(1, 1, 3, "/c"));
        assertThat(decisions(next)).containsExactly(Decision.ADMITTED);
        assertThat(next.outcomes()).extracting(TxnOutcome::err).containsExactly(0);
        assertThat(state.streamPosition(1)).containsExactly(1, 3);
    }

    @Test
    void refusedRunChangesNothing() {
        apply(run(1, 1, 1, "/a"));
        long digest = state.digest();
        long treeDigest = state.treeDigest();
        long lastZxid = state.lastZxid();
        List<TxnOutcome> seen = new ArrayList<>();

        ApplyResult r = apply(state, seen, run(1, 1, 3, "/gap"));
        assertThat(decisions(r)).containsExactly(Decision.REFUSED);
        assertThat(r.verdicts().get(0).applied()).isFalse();
        assertThat(r.verdicts().get(0).currentStream()).isEqualTo(1);
        assertThat(r.outcomes()).isEmpty();
        assertThat(seen).as("afterEach is not called for a refused run").isEmpty();
        assertThat(state.digest()).isEqualTo(digest);
        assertThat(state.treeDigest()).isEqualTo(treeDigest);
        assertThat(state.lastZxid()).isEqualTo(lastZxid);
        assertThat(exists(state, "/gap")).isFalse();
        assertThat(state.streamPosition(1)).containsExactly(1, 1);
    }

    @Test
    void refusedRunIsSkippedWhileAnotherOriginsRunIsApplied() {
        apply(run(1, 1, 1, "/a"));
        List<TxnOutcome> seen = new ArrayList<>();
        ApplyResult r = apply(state, seen, run(1, 1, 3, "/gap"), run(2, 1, 1, "/b", "/c"));
        assertThat(decisions(r)).containsExactly(Decision.REFUSED, Decision.ADMITTED);
        assertThat(r.outcomes()).extracting(o -> o.txn().originNode()).containsExactly(2, 2);
        assertThat(r.outcomes()).extracting(TxnOutcome::zxid)
                .as("the skipped transaction keeps its position")
                .containsExactly(CoordinatorState.zxid(index, 1), CoordinatorState.zxid(index, 2));
        assertThat(seen).isEqualTo(r.outcomes());
        assertThat(exists(state, "/gap")).isFalse();
        assertThat(exists(state, "/b")).isTrue();
        assertThat(state.view().stat("/c").getCzxid()).isEqualTo(CoordinatorState.zxid(index, 2));
        assertThat(state.streamPosition(1)).containsExactly(1, 1);
        assertThat(state.streamPosition(2)).containsExactly(1, 2);

        // a refused run at the end does not move lastZxid
        ApplyResult last = apply(run(2, 1, 3, "/d"), run(1, 1, 5, "/gap2"));
        assertThat(decisions(last)).containsExactly(Decision.ADMITTED, Decision.REFUSED);
        assertThat(state.lastZxid()).isEqualTo(CoordinatorState.zxid(index, 0));

        // the missing run comes: node 1 goes on
        ApplyResult resumed = apply(run(1, 1, 2, "/e"), run(1, 1, 3, "/gap"));
        assertThat(decisions(resumed)).containsExactly(Decision.ADMITTED, Decision.ADMITTED);
        assertThat(exists(state, "/gap")).isTrue();
        assertThat(state.streamPosition(1)).containsExactly(1, 3);
    }

    @Test
    void duplicateRunIsSkipped() {
        Piece first = run(1, 1, 1, "/a", "/b");
        apply(first);
        long digest = state.digest();
        long lastZxid = state.lastZxid();
        List<TxnOutcome> seen = new ArrayList<>();

        ApplyResult r = apply(state, seen, first);
        assertThat(decisions(r)).containsExactly(Decision.DUPLICATE);
        assertThat(r.verdicts().get(0).applied()).isTrue();
        assertThat(r.outcomes()).as("no NODEEXISTS: not applied again").isEmpty();
        assertThat(seen).isEmpty();
        assertThat(state.digest()).isEqualTo(digest);
        assertThat(state.lastZxid()).isEqualTo(lastZxid);
        assertThat(state.streamPosition(1)).containsExactly(1, 2);
    }

    @Test
    void zxidsAfterSkippedRunsAreTheirPositions() {
        apply(run(1, 1, 1, "/a", "/b"));
        apply(run(2, 4, 1, "/x"));
        ApplyResult r = apply(
                run(1, 1, 1, "/a", "/b"),        // positions 0, 1: duplicate
                run(1, 1, 3, "/c"),              // 2: admitted
                run(2, 4, 3, "/y"),              // 3: refused (gap)
                run(3, 1, 2, "/z"),              // 4: refused (first run not at 1)
                run(2, 3, 1, "/old"),            // 5: refused (older stream)
                run(2, 4, 2, "/x2", "/x3"));     // 6, 7: admitted
        assertThat(decisions(r)).containsExactly(Decision.DUPLICATE, Decision.ADMITTED, Decision.REFUSED,
                Decision.REFUSED, Decision.REFUSED, Decision.ADMITTED);
        assertThat(r.verdicts()).extracting(RunVerdict::currentStream).containsExactly(1L, 1L, 4L, 0L, 4L, 4L);
        assertThat(r.outcomes()).extracting(TxnOutcome::zxid).containsExactly(CoordinatorState.zxid(index, 2),
                CoordinatorState.zxid(index, 6), CoordinatorState.zxid(index, 7));
        assertThat(r.outcomes()).extracting(TxnOutcome::err).containsExactly(0, 0, 0);
        assertThat(state.view().stat("/x3").getCzxid()).isEqualTo(CoordinatorState.zxid(index, 7));
        assertThat(state.lastZxid()).isEqualTo(CoordinatorState.zxid(index, 7));
        for (String p : List.of("/y", "/z", "/old")) {
            assertThat(exists(state, p)).as(p).isFalse();
        }
        assertThat(state.streamPosition(3)).isNull();
        assertThat(state.streamPosition(2)).containsExactly(4, 3);
    }

    @Test
    void batchWithoutRunsIsAppliedUnchecked() {
        apply(run(1, 1, 1, "/a"));
        ApplyResult r = state.apply(++index, new Batch(TIME, List.of(create(1, 9, "/free"), create(5, 1, "/f2"))));
        assertThat(r.verdicts()).isEmpty();
        assertThat(r.outcomes()).extracting(TxnOutcome::err).containsExactly(0, 0);
        assertThat(state.streamPosition(1)).containsExactly(1, 1);
        assertThat(state.streamPosition(5)).isNull();
        assertThat(decisions(apply(run(1, 1, 2, "/b")))).containsExactly(Decision.ADMITTED);
    }

    @Test
    void newerStreamReplacesTheOld() {
        apply(run(1, 1, 1, "/a", "/b"));
        ApplyResult r = apply(run(1, 1, 4, "/lost"), run(1, 2, 1, "/c"), run(1, 1, 3, "/straggler"));
        assertThat(decisions(r)).containsExactly(Decision.REFUSED, Decision.ADMITTED, Decision.REFUSED);
        assertThat(r.verdicts()).extracting(RunVerdict::currentStream).containsExactly(1L, 2L, 2L);
        assertThat(exists(state, "/c")).isTrue();
        assertThat(exists(state, "/straggler")).isFalse();
        assertThat(state.streamPosition(1)).containsExactly(2, 1);
    }

    private static CoordinatorState restore(CoordinatorState s) throws IOException {
        return CoordinatorState.readSnapshot(new DataInputStream(new ByteArrayInputStream(SimulationTest.snapshot(s))),
                CoreSettings.defaults());
    }

    @Test
    void snapshotKeepsTheStreamPositions() throws IOException {
        apply(run(1, 1, 1, "/a", "/b"));
        apply(run(2, 7, 1, "/c"), run(3, 2, 1, "/d", "/e", "/f"));
        apply(run(2, 8, 1, "/g"));

        byte[] snap = SimulationTest.snapshot(state);
        CoordinatorState back = restore(state);
        assertThat(SimulationTest.snapshot(back)).as("byte-identical").isEqualTo(snap);
        assertThat(back.digest()).isEqualTo(state.digest());
        assertThat(back.lastZxid()).isEqualTo(state.lastZxid());
        assertThat(back.lastAppliedIndex()).isEqualTo(state.lastAppliedIndex());
        for (int origin = 0; origin <= 4; origin++) {
            assertThat(back.streamPosition(origin)).as("node %d", origin).isEqualTo(state.streamPosition(origin));
        }
        assertThat(back.streamPosition(1)).containsExactly(1, 2);
        assertThat(back.streamPosition(2)).containsExactly(8, 1);
        assertThat(back.streamPosition(3)).containsExactly(2, 3);
        assertThat(back.streamPosition(4)).isNull();

        // both decide the next entries alike
        Piece[] next = {run(1, 1, 3, "/h"), run(1, 1, 5, "/gap"), run(2, 7, 2, "/old"), run(3, 2, 1, "/d", "/e"),
            run(2, 8, 2, "/i"), run(4, 3, 2, "/j")};
        long at = ++index;
        ApplyResult original = state.apply(at, batch(next));
        ApplyResult restored = back.apply(at, batch(next));
        back.checkInvariants();
        assertThat(decisions(restored)).containsExactly(Decision.ADMITTED, Decision.REFUSED, Decision.REFUSED,
                Decision.DUPLICATE, Decision.ADMITTED, Decision.REFUSED);
        assertThat(restored.verdicts()).isEqualTo(original.verdicts());
        assertThat(restored.outcomes()).extracting(TxnOutcome::zxid)
                .containsExactlyElementsOf(original.outcomes().stream().map(TxnOutcome::zxid).toList());
        assertThat(exists(back, "/h")).isTrue();
        assertThat(exists(back, "/gap")).isFalse();
        assertThat(back.digest()).isEqualTo(state.digest());
        assertThat(SimulationTest.snapshot(back)).isEqualTo(SimulationTest.snapshot(state));
    }

    @Test
    void snapshotWithoutStreamsRoundTrips() throws IOException {
        CoordinatorState back = restore(state);
        assertThat(back.streamPosition(1)).isNull();
        assertThat(back.digest()).isEqualTo(state.digest());
        index++;
        assertThat(decisions(back.apply(index, batch(run(1, 1, 2, "/x"))))).containsExactly(Decision.REFUSED);
        assertThat(decisions(back.apply(index + 1, batch(run(1, 1, 1, "/x"))))).containsExactly(Decision.ADMITTED);
    }

    @Test
    void snapshotCutInTheStreamsIsRejected() throws IOException {
        apply(run(1, 1, 1, "/a"), run(2, 1, 1, "/b"));
        byte[] snap = SimulationTest.snapshot(state);
        // the streams are last: [int 2] then two positions of 20 bytes
        for (int cut = snap.length - 1; cut >= snap.length - 44; cut--) {
            byte[] shorter = Arrays.copyOf(snap, cut);
            assertThatThrownBy(() -> CoordinatorState.readSnapshot(
                    new DataInputStream(new ByteArrayInputStream(shorter)), CoreSettings.defaults()))
                    .as("cut at %d", cut).isInstanceOf(IOException.class);
        }
    }

    @Test
    void digestIgnoresTheStreamTable() throws IOException {
        CoordinatorState unchecked = new CoordinatorState(CoreSettings.defaults());
        unchecked.apply(1, openSessions());

        Batch streamed = batch(run(1, 1, 1, "/a", "/b"), run(2, 5, 1, "/c"));
        apply(run(1, 1, 1, "/a", "/b"), run(2, 5, 1, "/c"));
        unchecked.apply(index, new Batch(TIME, streamed.txns()));

        assertThat(state.streamPosition(1)).isNotNull();
        assertThat(unchecked.streamPosition(1)).isNull();
        assertThat(unchecked.digest()).isEqualTo(state.digest());
        assertThat(unchecked.treeDigest()).isEqualTo(state.treeDigest());
        assertThat(unchecked.lastZxid()).isEqualTo(state.lastZxid());
        assertThat(SimulationTest.snapshot(unchecked)).as("snapshots do hold the table")
                .isNotEqualTo(SimulationTest.snapshot(state));
    }
}
