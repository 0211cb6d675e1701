package io.canopy.core.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;

class BatchCodecTest {
    static Batch sample() {
        return new Batch(123456789L, List.of(
                new Txn(0x1234L, 7, 1, new byte[] {1, 2, 3}, List.of(new Id("ip", "127.0.0.1"),
                        new Id("digest", "bob:xyz=")), 2, 99L),
                new Txn(0, -1, TxnTypes.REAP, null, List.of(), 0, 0),
                new Txn(5, 0, -11, new byte[0], List.of(new Id(null, null)), 3, Long.MAX_VALUE)));
    }

    @Test
    void roundTrips() {
        Batch b = sample();
        byte[] bytes = BatchCodec.encode(b);
        assertThat(bytes[0]).isEqualTo(BatchCodec.VERSION);
        Batch back = BatchCodec.decode(bytes);
        assertThat(back.timeMillis()).isEqualTo(b.timeMillis());
        assertThat(back.txns()).hasSize(3);
        assertThat(back.txns().get(0).body()).containsExactly(1, 2, 3);
        assertThat(back.txns().get(0).identities()).isEqualTo(b.txns().get(0).identities());
        assertThat(back.txns().get(1).body()).isNull();
        assertThat(back.txns().get(2).originSeq()).isEqualTo(Long.MAX_VALUE);
        assertThat(BatchCodec.encode(back)).isEqualTo(bytes);
    }

    @Test
    void stampsTimeAndFlagsWithoutDecoding() {
        byte[] bytes = BatchCodec.encode(sample());
        assertThat(bytes[0]).as("no flags: the format of before flags existed").isEqualTo(BatchCodec.VERSION);
        assertThat(BatchCodec.decode(bytes).enforceQuota()).isFalse();

        byte[] restamped = BatchCodec.stamp(bytes, 42L, false);
        assertThat(BatchCodec.decode(restamped).timeMillis()).isEqualTo(42L);
        assertThat(BatchCodec.decode(bytes).timeMillis()).isEqualTo(123456789L);
        assertThat(Arrays.copyOfRange(restamped, 9, restamped.length))
                .isEqualTo(Arrays.copyOfRange(bytes, 9, bytes.length));

        byte[] enforcing = BatchCodec.stamp(bytes, 43L, true);
        assertThat(enforcing[0]).isEqualTo(BatchCodec.VERSION_WITH_FLAGS);
        Batch back = BatchCodec.decode(enforcing);
        assertThat(back.timeMillis()).isEqualTo(43L);
        assertThat(back.enforceQuota()).isTrue();
        assertThat(back.txns()).hasSize(3);
        assertThat(back.txns().get(2).originSeq()).isEqualTo(Long.MAX_VALUE);
        assertThat(BatchCodec.encode(back)).isEqualTo(enforcing);
        assertThat(BatchCodec.stamp(enforcing, 44L, true)).isEqualTo(BatchCodec.encode(
                new Batch(44L, back.txns(), true)));
        assertThat(BatchCodec.stamp(enforcing, 123456789L, false)).isEqualTo(bytes);
    }

    @Test
    void strictDecode() {
        byte[] bytes = BatchCodec.encode(sample());
        for (int i = 0; i < bytes.length; i++) {
            byte[] cut = Arrays.copyOf(bytes, i);
            assertThatThrownBy(() -> BatchCodec.decode(cut)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> BatchCodec.decode(longer)).isInstanceOf(IllegalArgumentException.class);
        byte[] badVersion = bytes.clone();
        badVersion[0] = 9;
        assertThatThrownBy(() -> BatchCodec.decode(badVersion)).isInstanceOf(IllegalArgumentException.class);
        byte[] flagged = BatchCodec.stamp(bytes, 1, true);
        for (byte flags : new byte[] {0, 2, -1}) {
            byte[] unknownFlags = flagged.clone();
            unknownFlags[9] = flags;
            assertThatThrownBy(() -> BatchCodec.decode(unknownFlags)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> BatchCodec.stamp(new byte[3], 1, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchCodec.stamp(badVersion, 1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 1000)
    void garbageOnlyFailsWithIllegalArgument(@ForAll @Size(max = 80) byte[] garbage, @ForAll boolean flagged) {
        byte[] b = garbage.clone();
        if (b.length > 0) {
            b[0] = flagged ? BatchCodec.VERSION_WITH_FLAGS : BatchCodec.VERSION;
        }
        Batch decoded = null;
        try {
            decoded = BatchCodec.decode(b);
        } catch (IllegalArgumentException expected) {
            // malformed
        }
        byte[] stamped;
        try {
            stamped = BatchCodec.stamp(b, 5, !flagged);
        } catch (IllegalArgumentException expected) {
            return;
        }
        if (decoded != null) {
            // stamping a good entry keeps its transactions
            assertThat(BatchCodec.encode(new Batch(5, decoded.txns(), !flagged))).isEqualTo(stamped);
        }
    }

    @Test
    void internalBodiesRoundTrip() {
        InternalBodies.CreateSession cs = InternalBodies.decodeCreateSession(
                InternalBodies.createSession(4000, new byte[] {9, 8}));
        assertThat(cs.timeoutMillis()).isEqualTo(4000);
        assertThat(cs.password()).containsExactly(9, 8);
        assertThat(InternalBodies.decodeReap(InternalBodies.reap(List.of("/a", "/b/c")))).containsExactly("/a", "/b/c");
        assertThatThrownBy(() -> InternalBodies.decodeReap(new byte[] {0, 0, 0, 5}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InternalBodies.decodeCreateSession(new byte[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
