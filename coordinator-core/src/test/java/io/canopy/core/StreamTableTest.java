package io.canopy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.canopy.core.RunVerdict.Decision;
import io.canopy.core.txn.Run;

/** The admission rules of runs: each node's applied transactions are a prefix of each of its streams. */
class StreamTableTest {
    private final StreamTable table = new StreamTable();

    private Decision admit(int origin, long stream, long firstSeq, int count) {
        RunVerdict v = table.admit(new Run(origin, stream, firstSeq, count));
        assertThat(v.run()).isEqualTo(new Run(origin, stream, firstSeq, count));
        return v.decision();
    }

    private void assertPosition(int origin, long stream, long lastSeq) {
        assertThat(table.position(origin)).isEqualTo(new StreamTable.Position(stream, lastSeq));
    }

    @Test
    void firstRunOfANodeMustStartAtOne() {
        assertThat(admit(1, 1, 2, 1)).isEqualTo(Decision.REFUSED);
        assertThat(table.position(1)).isNull();
        assertThat(admit(1, 5, 3, 2)).isEqualTo(Decision.REFUSED);
        assertThat(table.position(1)).isNull();
        assertThat(admit(1, 5, 1, 2)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 5, 2);
    }

    @Test
    void continuationIsAdmitted() {
        assertThat(admit(1, 1, 1, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 2, 3)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 1, 4);
        assertThat(admit(1, 1, 5, 1)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 1, 5);
    }

    @Test
    void gapIsRefusedAndThePositionStaysUntilTheMissingRunComes() {
        assertThat(admit(1, 1, 1, 2)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 5, 2)).as("3..4 missing").isEqualTo(Decision.REFUSED);
        assertPosition(1, 1, 2);
        assertThat(admit(1, 1, 4, 3)).as("still 3 missing").isEqualTo(Decision.REFUSED);
        assertPosition(1, 1, 2);
        assertThat(admit(1, 1, 3, 2)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 1, 4);
        assertThat(admit(1, 1, 5, 2)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 1, 6);
    }

    @Test
    void fullyAppliedRunIsDuplicate() {
        assertThat(admit(1, 1, 1, 3)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 4, 2)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 4, 2)).isEqualTo(Decision.DUPLICATE);
        assertThat(admit(1, 1, 1, 3)).isEqualTo(Decision.DUPLICATE);
        assertThat(admit(1, 1, 1, 5)).isEqualTo(Decision.DUPLICATE);
        assertThat(admit(1, 1, 2, 1)).isEqualTo(Decision.DUPLICATE);
        assertThat(admit(1, 1, 5, 1)).isEqualTo(Decision.DUPLICATE);
        assertPosition(1, 1, 5);
        RunVerdict v = table.admit(new Run(1, 1, 5, 1));
        assertThat(v.applied()).isTrue();
        assertThat(v.currentStream()).isEqualTo(1);
    }

    @Test
    void partialOverlapIsRefused() {
        assertThat(admit(1, 1, 1, 3)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 3, 2)).isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 1, 1, 4)).isEqualTo(Decision.REFUSED);
        assertPosition(1, 1, 3);
        RunVerdict v = table.admit(new Run(1, 1, 2, 5));
        assertThat(v.decision()).isEqualTo(Decision.REFUSED);
        assertThat(v.applied()).isFalse();
        assertThat(admit(1, 1, 4, 1)).isEqualTo(Decision.ADMITTED);
    }

    @Test
    void newerStreamAtOneReplacesTheOldAndItsStragglersAreRefused() {
        assertThat(admit(1, 1, 1, 3)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 5, 1)).isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 2, 1, 2)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 2, 2);
        assertThat(admit(1, 1, 4, 1)).as("the old stream's continuation").isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 1, 1, 1)).as("the old stream's first run").isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 1, 1, 3)).as("even a run applied before").isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 1, 5, 1)).isEqualTo(Decision.REFUSED);
        assertPosition(1, 2, 2);
        assertThat(admit(1, 2, 3, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 7, 1, 1)).as("streams need not be consecutive").isEqualTo(Decision.ADMITTED);
        assertPosition(1, 7, 1);
        assertThat(admit(1, 2, 4, 1)).isEqualTo(Decision.REFUSED);
    }

    @Test
    void newerStreamNotAtOneIsRefused() {
        assertThat(admit(1, 1, 1, 3)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 2, 2, 1)).isEqualTo(Decision.REFUSED);
        assertThat(admit(1, 2, 4, 1)).as("not even where the old stream stands").isEqualTo(Decision.REFUSED);
        assertPosition(1, 1, 3);
        assertThat(admit(1, 1, 4, 1)).as("the old stream goes on").isEqualTo(Decision.ADMITTED);
        assertPosition(1, 1, 4);
    }

    @Test
    void originsAreIndependent() {
        assertThat(admit(1, 1, 1, 2)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(2, 1, 3, 1)).as("node 2 has no position yet").isEqualTo(Decision.REFUSED);
        assertThat(admit(2, 9, 1, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 1, 3, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(2, 9, 2, 4)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(3, 1, 1, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(admit(1, 2, 1, 1)).isEqualTo(Decision.ADMITTED);
        assertPosition(1, 2, 1);
        assertPosition(2, 9, 5);
        assertPosition(3, 1, 1);
        assertThat(admit(2, 9, 6, 1)).isEqualTo(Decision.ADMITTED);
        assertThat(table.position(4)).isNull();
        assertThat(table.positions()).isEqualTo(Map.of(1, new StreamTable.Position(2, 1),
                2, new StreamTable.Position(9, 6), 3, new StreamTable.Position(1, 1)));
    }

    @Test
    void currentStreamIsTheOriginsStreamAfterTheDecision() {
        RunVerdict none = table.admit(new Run(1, 3, 2, 1));
        assertThat(none.decision()).isEqualTo(Decision.REFUSED);
        assertThat(none.currentStream()).as("no stream yet").isZero();

        RunVerdict first = table.admit(new Run(1, 3, 1, 1));
        assertThat(first.decision()).isEqualTo(Decision.ADMITTED);
        assertThat(first.currentStream()).isEqualTo(3);

        RunVerdict old = table.admit(new Run(1, 2, 1, 1));
        assertThat(old.decision()).isEqualTo(Decision.REFUSED);
        assertThat(old.currentStream()).as("a node refused for an old stream learns the current one")
                .isEqualTo(3);

        RunVerdict newerNotAtOne = table.admit(new Run(1, 4, 2, 1));
        assertThat(newerNotAtOne.decision()).isEqualTo(Decision.REFUSED);
        assertThat(newerNotAtOne.currentStream()).isEqualTo(3);

        RunVerdict gap = table.admit(new Run(1, 3, 3, 1));
        assertThat(gap.decision()).isEqualTo(Decision.REFUSED);
        assertThat(gap.currentStream()).isEqualTo(3);

        RunVerdict dup = table.admit(new Run(1, 3, 1, 1));
        assertThat(dup.decision()).isEqualTo(Decision.DUPLICATE);
        assertThat(dup.currentStream()).isEqualTo(3);

        RunVerdict newer = table.admit(new Run(1, 10, 1, 2));
        assertThat(newer.decision()).isEqualTo(Decision.ADMITTED);
        assertThat(newer.currentStream()).isEqualTo(10);

        assertThat(table.admit(new Run(2, 1, 1, 1)).currentStream()).as("per origin").isEqualTo(1);
    }

    @Test
    void tableWrittenAndReadBackDecidesAlike() throws Exception {
        admit(1, 1, 1, 4);
        admit(2, 3, 1, 1);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        table.writeTo(new java.io.DataOutputStream(bytes));
        StreamTable restored = StreamTable.readFrom(new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())));
        for (Run r : new Run[] {new Run(1, 1, 5, 1), new Run(1, 1, 7, 1), new Run(2, 3, 1, 1),
            new Run(2, 2, 1, 1), new Run(3, 1, 1, 1)}) {
            assertThat(restored.admit(r)).isEqualTo(table.admit(r));
        }
        assertThat(restored.positions()).isEqualTo(table.positions());
    }

    @Test
    void copyIsIndependentOfTheTable() {
        admit(1, 1, 1, 1);
        StreamTable copy = table.copy();
        admit(1, 1, 2, 1);
        assertThat(copy.positions().get(1)).isEqualTo(new StreamTable.Position(1, 1));
        assertPosition(1, 1, 2);
    }

    @Test
    void runsAreValidated() {
        assertThatThrownBy(() -> new Run(1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Run(1, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Run(1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Run(1, 1, 3, 4).lastSeq()).isEqualTo(6);
    }
}
