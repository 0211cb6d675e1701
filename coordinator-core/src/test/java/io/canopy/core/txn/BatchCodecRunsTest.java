package io.canopy.core.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;

/** The format of a batch of runs (version 3): runs encoded apart, put into an entry as they are. */
class BatchCodecRunsTest {
    static final Run R1 = new Run(2, 7, 1, 2);
    static final Run R2 = new Run(3, 1, 40, 1);

    static List<Txn> txns1() {
        return List.of(
                new Txn(0x1234L, 7, 1, new byte[] {1, 2, 3}, List.of(new Id("ip", "127.0.0.1"),
                        new Id("digest", "bob:xyz=")), 2, 99L),
                new Txn(0, -1, TxnTypes.REAP, null, List.of(), 2, 100L));
    }

    static List<Txn> txns2() {
        return List.of(new Txn(5, 0, -11, new byte[0], List.of(new Id(null, null)), 3, Long.MAX_VALUE));
    }

    static Batch sample(boolean enforceQuota) {
        List<Txn> txns = new ArrayList<>(txns1());
        txns.addAll(txns2());
        return new Batch(123456789L, txns, enforceQuota, List.of(R1, R2));
    }

    static void assertSameTxns(List<Txn> actual, List<Txn> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Txn a = actual.get(i);
            Txn e = expected.get(i);
            assertThat(a.sessionId()).isEqualTo(e.sessionId());
            assertThat(a.cxid()).isEqualTo(e.cxid());
            assertThat(a.type()).isEqualTo(e.type());
            assertThat(a.body()).isEqualTo(e.body());
            // Id.equals fails on a null scheme: compare the fields
            assertThat(a.identities()).extracting(Id::getScheme, Id::getId)
                    .containsExactlyElementsOf(e.identities().stream()
                            .map(id -> org.assertj.core.groups.Tuple.tuple(id.getScheme(), id.getId())).toList());
            assertThat(a.originNode()).isEqualTo(e.originNode());
            assertThat(a.originSeq()).isEqualTo(e.originSeq());
        }
    }

    static void assertSameBatch(Batch actual, Batch expected) {
        assertThat(actual.timeMillis()).isEqualTo(expected.timeMillis());
        assertThat(actual.enforceQuota()).isEqualTo(expected.enforceQuota());
        assertThat(actual.runs()).isEqualTo(expected.runs());
        assertSameTxns(actual.txns(), expected.txns());
    }

    @Test
    void roundTrips() {
        for (boolean enforce : new boolean[] {false, true}) {
            Batch b = sample(enforce);
            byte[] bytes = BatchCodec.encode(b);
            assertThat(bytes[0]).isEqualTo(BatchCodec.VERSION_RUNS);
            assertThat(bytes[9]).isEqualTo((byte) (enforce ? 1 : 0));
            Batch back = BatchCodec.decode(bytes);
            assertSameBatch(back, b);
            assertThat(back.txns().get(1).body()).isNull();
            assertThat(back.txns().get(2).body()).isEmpty();
            assertThat(BatchCodec.encode(back)).isEqualTo(bytes);
        }
    }

    @Test
    void singleRunRoundTrips() {
        Batch b = new Batch(1L, txns2(), false, List.of(new Run(Integer.MIN_VALUE, Long.MAX_VALUE, 1, 1)));
        Batch back = BatchCodec.decode(BatchCodec.encode(b));
        assertSameBatch(back, b);
    }

    @Test
    void batchWithoutRunsKeepsTheOldFormats() {
        Batch plain = new Batch(5L, txns1());
        assertThat(BatchCodec.encode(plain)[0]).isEqualTo(BatchCodec.VERSION);
        assertThat(BatchCodec.decode(BatchCodec.encode(plain)).runs()).isEmpty();
        Batch flagged = new Batch(5L, txns1(), true);
        assertThat(BatchCodec.encode(flagged)[0]).isEqualTo(BatchCodec.VERSION_WITH_FLAGS);
        assertThat(BatchCodec.decode(BatchCodec.encode(flagged)).runs()).isEmpty();
    }

    @Test
    void runsMustCoverTheTransactions() {
        List<Txn> three = new ArrayList<>(txns1());
        three.addAll(txns2());
        assertThatThrownBy(() -> new Batch(1, three, false, List.of(R1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Batch(1, txns1(), false, List.of(R1, R2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchCodec.encodeRun(R1, txns2())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entryOfEncodedRunsIsTheEncodedBatch() {
        byte[] run1 = BatchCodec.encodeRun(R1, txns1());
        byte[] run2 = BatchCodec.encodeRun(R2, txns2());
        assertThat(run1).hasSize(BatchCodec.RUN_HEADER + (run1.length - BatchCodec.RUN_HEADER));
        byte[] entry = BatchCodec.entry(123456789L, List.of(run1, run2));
        assertThat(entry).hasSize(BatchCodec.RUNS_HEADER + run1.length + run2.length);
        assertThat(entry).isEqualTo(BatchCodec.encode(sample(false)));
        assertSameBatch(BatchCodec.decode(entry), sample(false));
        // the runs sit in the entry as they are
        assertThat(Arrays.copyOfRange(entry, BatchCodec.RUNS_HEADER, BatchCodec.RUNS_HEADER + run1.length))
                .isEqualTo(run1);
        assertThat(Arrays.copyOfRange(entry, BatchCodec.RUNS_HEADER + run1.length, entry.length)).isEqualTo(run2);
    }

    @Test
    void stampWritesTimeAndFlagsInPlace() {
        byte[] entry = BatchCodec.entry(0L, List.of(BatchCodec.encodeRun(R1, txns1()),
                BatchCodec.encodeRun(R2, txns2())));
        byte[] before = entry.clone();
        assertThat(BatchCodec.decode(entry).enforceQuota()).isFalse();

        byte[] stamped = BatchCodec.stamp(entry, 123456789L, true);
        assertThat(stamped).isSameAs(entry);
        assertThat(stamped).isEqualTo(BatchCodec.encode(sample(true)));
        assertThat(ByteBuffer.wrap(stamped).getLong(1)).isEqualTo(123456789L);
        assertThat(stamped[9]).isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(stamped, 10, stamped.length))
                .as("only time and flags change").isEqualTo(Arrays.copyOfRange(before, 10, before.length));
        assertSameBatch(BatchCodec.decode(stamped), sample(true));

        assertThat(BatchCodec.stamp(entry, 123456789L, false)).isSameAs(entry);
        assertThat(entry).isEqualTo(BatchCodec.encode(sample(false)));
        assertThat(BatchCodec.decode(entry).enforceQuota()).isFalse();
        assertThat(BatchCodec.stamp(entry, -5L, false)).isSameAs(entry);
        assertThat(BatchCodec.decode(entry).timeMillis()).isEqualTo(-5L);
    }

    @Test
    void checkRunReturnsTheHeader() {
        assertThat(BatchCodec.checkRun(BatchCodec.encodeRun(R1, txns1()))).isEqualTo(R1);
        assertThat(BatchCodec.checkRun(BatchCodec.encodeRun(R2, txns2()))).isEqualTo(R2);
    }

    @Test
    void checkRunRejectsTruncatedRuns() {
        byte[] run = BatchCodec.encodeRun(R1, txns1());
        for (int i = 0; i < run.length; i++) {
            byte[] cut = Arrays.copyOf(run, i);
            assertThatThrownBy(() -> BatchCodec.checkRun(cut)).as("cut at %d", i)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void checkRunRejectsTrailingBytes() {
        byte[] run = BatchCodec.encodeRun(R1, txns1());
        assertThatThrownBy(() -> BatchCodec.checkRun(Arrays.copyOf(run, run.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] two = new byte[run.length * 2];
        System.arraycopy(run, 0, two, 0, run.length);
        System.arraycopy(run, 0, two, run.length, run.length);
        assertThatThrownBy(() -> BatchCodec.checkRun(two)).as("two runs are not one")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void checkRunRejectsBadHeaders() {
        byte[] run = BatchCodec.encodeRun(R1, txns1());
        for (int count : new int[] {0, -1, 1, 3, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            byte[] bad = run.clone();
            ByteBuffer.wrap(bad).putInt(20, count);
            assertThatThrownBy(() -> BatchCodec.checkRun(bad)).as("count %d", count)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (long stream : new long[] {0, -1, Long.MIN_VALUE}) {
            byte[] bad = run.clone();
            ByteBuffer.wrap(bad).putLong(4, stream);
            assertThatThrownBy(() -> BatchCodec.checkRun(bad)).as("stream %d", stream)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (long first : new long[] {0, -1}) {
            byte[] bad = run.clone();
            ByteBuffer.wrap(bad).putLong(12, first);
            assertThatThrownBy(() -> BatchCodec.checkRun(bad)).as("first %d", first)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> BatchCodec.checkRun(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchCodec.checkRun(new byte[BatchCodec.RUN_HEADER]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void strictDecodeOfRuns() {
        byte[] bytes = BatchCodec.encode(sample(true));
        for (int i = 0; i < bytes.length; i++) {
            byte[] cut = Arrays.copyOf(bytes, i);
            assertThatThrownBy(() -> BatchCodec.decode(cut)).as("cut at %d", i)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> BatchCodec.decode(longer)).isInstanceOf(IllegalArgumentException.class);

        byte[] noRuns = BatchCodec.entry(1L, List.of());
        assertThat(noRuns).hasSize(BatchCodec.RUNS_HEADER);
        assertThatThrownBy(() -> BatchCodec.decode(noRuns)).isInstanceOf(IllegalArgumentException.class);
        byte[] noRunsButBytes = Arrays.copyOf(noRuns, noRuns.length + 100);
        assertThatThrownBy(() -> BatchCodec.decode(noRunsButBytes)).isInstanceOf(IllegalArgumentException.class);

        for (int runCount : new int[] {0, -1, 1, 3, Integer.MAX_VALUE}) {
            byte[] bad = bytes.clone();
            ByteBuffer.wrap(bad).putInt(10, runCount);
            assertThatThrownBy(() -> BatchCodec.decode(bad)).as("run count %d", runCount)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (byte flags : new byte[] {2, 3, -1}) {
            byte[] bad = bytes.clone();
            bad[9] = flags;
            assertThatThrownBy(() -> BatchCodec.decode(bad)).as("flags %d", flags)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] badRunCount = bytes.clone();
        ByteBuffer.wrap(badRunCount).putInt(BatchCodec.RUNS_HEADER + 20, 0);
        assertThatThrownBy(() -> BatchCodec.decode(badRunCount)).isInstanceOf(IllegalArgumentException.class);
        byte[] badStream = bytes.clone();
        ByteBuffer.wrap(badStream).putLong(BatchCodec.RUNS_HEADER + 4, 0);
        assertThatThrownBy(() -> BatchCodec.decode(badStream)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertOnlyIllegalArgument(byte[] bytes) {
        Batch decoded;
        try {
            decoded = BatchCodec.decode(bytes);
        } catch (IllegalArgumentException expected) {
            decoded = null;
        }
        if (decoded != null) {
            // (not byte for byte: identities that are not UTF-8 come back otherwise)
            Batch again = BatchCodec.decode(BatchCodec.encode(decoded));
            assertThat(again.runs()).isEqualTo(decoded.runs());
            assertThat(again.txns()).hasSameSizeAs(decoded.txns());
        }
        Run header;
        try {
            header = BatchCodec.checkRun(bytes);
        } catch (IllegalArgumentException expected) {
            header = null;
        }
        if (header != null) {
            byte[] entry = BatchCodec.entry(9L, List.of(bytes));
            Batch one = BatchCodec.decode(entry);
            assertThat(one.runs()).containsExactly(header);
            assertThat(one.txns()).hasSize(header.count());
        }
        try {
            byte[] stamped = BatchCodec.stamp(bytes.clone(), 5, true);
            if (decoded != null) {
                assertThat(BatchCodec.decode(stamped).txns()).hasSameSizeAs(decoded.txns());
            }
        } catch (IllegalArgumentException expected) {
            // not an encoded batch
        }
    }

    /** Random mutations of a good entry and of a good run: decode and checkRun fail only as documented. */
    @Property(tries = 2000)
    void mutationsOnlyFailWithIllegalArgument(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int edits) {
        Random rnd = new Random(seed);
        byte[] entry = BatchCodec.encode(sample(rnd.nextBoolean()));
        byte[] run = BatchCodec.encodeRun(R1, txns1());
        for (byte[] original : new byte[][] {entry, run}) {
            byte[] b = original.clone();
            for (int e = 0; e < edits; e++) {
                switch (rnd.nextInt(4)) {
                    case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt();
                    case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    case 2 -> b = Arrays.copyOf(b, Math.max(1, b.length - 1 - rnd.nextInt(8)));
                    default -> {
                        int at = rnd.nextInt(b.length - 3);
                        ByteBuffer.wrap(b).putInt(at, new int[] {-1, 0, 1, Integer.MAX_VALUE,
                            Integer.MIN_VALUE, rnd.nextInt()}[rnd.nextInt(6)]);
                    }
                }
                if (b.length < 4) {
                    b = Arrays.copyOf(b, 4);
                }
            }
            assertOnlyIllegalArgument(b);
        }
    }

    @Property(tries = 1000)
    void garbageOnlyFailsWithIllegalArgument(@ForAll @Size(max = 160) byte[] garbage) {
        byte[] b = garbage.clone();
        if (b.length > 0) {
            b[0] = BatchCodec.VERSION_RUNS;
        }
        assertOnlyIllegalArgument(b);
        assertOnlyIllegalArgument(garbage);
    }
}
