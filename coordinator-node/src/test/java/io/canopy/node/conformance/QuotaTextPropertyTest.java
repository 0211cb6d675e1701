package io.canopy.node.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.apache.zookeeper.StatsTrack;

import io.canopy.core.tree.QuotaStats;

/**
 * The core's reading and writing of quota text ({@link QuotaStats}) against ZooKeeper 3.9.5's own
 * {@link StatsTrack}: wherever StatsTrack can read a text, both read the same values and write the same text.
 */
class QuotaTextPropertyTest {

    @Provide
    Arbitrary<String> quotaTexts() {
        Arbitrary<String> key = Arbitraries.of("count", "bytes", "countHardLimit", "byteHardLimit", "other", "");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.longs().between(-2, 1L << 40).map(v -> Long.toString(v)),
                Arbitraries.of("", "x", "-1", "+7"));
        Arbitrary<String> pair = Combinators.combine(key, value, Arbitraries.of("=", "==", "")).as(
                (k, v, eq) -> k + eq + v);
        return pair.list().ofMaxSize(6).flatMap(pairs -> Arbitraries.of(",", ";", ",;", "=;")
                .list().ofSize(Math.max(0, pairs.size() - 1)).map(seps -> join(pairs, seps)));
    }

    private static String join(List<String> pairs, List<String> separators) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.size(); i++) {
            if (i > 0) {
                sb.append(separators.get(i - 1));
            }
            sb.append(pairs.get(i));
        }
        return sb.toString();
    }

    @Property(tries = 2000)
    void readsAndWritesLikeStatsTrack(@ForAll("quotaTexts") String text) {
        StatsTrack zk;
        try {
            zk = new StatsTrack(text);
        } catch (RuntimeException unreadable) {
            // ZooKeeper fails on it; the core must not (it skips what it cannot read): nothing to compare
            QuotaStats.parse(text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        QuotaStats canopy = QuotaStats.parse(text.getBytes(StandardCharsets.UTF_8));
        assertThat(canopy.count()).isEqualTo(zk.getCount());
        assertThat(canopy.bytes()).isEqualTo(zk.getBytes());
        assertThat(canopy.countHardLimit()).isEqualTo(zk.getCountHardLimit());
        assertThat(canopy.byteHardLimit()).isEqualTo(zk.getByteHardLimit());
        assertThat(canopy.toString()).isEqualTo(zk.toString());
    }

    @Property(tries = 200)
    void updatesLikeZooKeepersUpdateQuotaStat(@ForAll("quotaTexts") String text, @ForAll int countDiff,
                                              @ForAll long bytesDiff) {
        StatsTrack zk;
        try {
            zk = new StatsTrack(text);
        } catch (RuntimeException unreadable) {
            return;
        }
        zk.setCount(zk.getCount() + countDiff);
        zk.setBytes(zk.getBytes() + bytesDiff);
        QuotaStats canopy = QuotaStats.parse(text.getBytes(StandardCharsets.UTF_8));
        canopy = canopy.with(QuotaStats.COUNT, canopy.count() + countDiff)
                .with(QuotaStats.BYTES, canopy.bytes() + bytesDiff);
        assertThat(canopy.toBytes()).isEqualTo(zk.getStatsBytes());
    }
}
