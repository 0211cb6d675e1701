package io.canopy.core.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class QuotaStatsTest {

    private static QuotaStats parse(String s) {
        return QuotaStats.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAndWritesTheFormatOfZooKeeper39() {
        String text = "count=-1,bytes=-1=;byteHardLimit=2048;countHardLimit=10";
        QuotaStats q = parse(text);
        assertThat(q.count()).isEqualTo(-1);
        assertThat(q.bytes()).isEqualTo(-1);
        assertThat(q.countHardLimit()).isEqualTo(10);
        assertThat(q.byteHardLimit()).isEqualTo(2048);
        assertThat(q.toString()).isEqualTo(text);
    }

    @Test
    void readsTheLegacyFormatAndMissingKeysAsMinusOne() {
        QuotaStats q = parse("count=10,bytes=-1");
        assertThat(q.count()).isEqualTo(10);
        assertThat(q.countHardLimit()).isEqualTo(-1);
        assertThat(q.byteHardLimit()).isEqualTo(-1);
        assertThat(q.toString()).isEqualTo("count=10,bytes=-1");
        assertThat(QuotaStats.parse(null).toString()).isEqualTo("count=-1,bytes=-1");
        assertThat(parse("").count()).isEqualTo(-1);
    }

    @Test
    void writesCountAndBytesFirstThenTheOtherKeysSorted() {
        assertThat(QuotaStats.of(3, 8).toString()).isEqualTo("count=3,bytes=8");
        assertThat(parse("zeta=1;countHardLimit=4,bytes=7;count=2").toString())
                .isEqualTo("count=2,bytes=7=;countHardLimit=4;zeta=1");
        assertThat(QuotaStats.of(1, 2).with(QuotaStats.COUNT, 5).toBytes())
                .isEqualTo("count=5,bytes=2".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void skipsWhatZooKeeperCannotParseInsteadOfFailing() {
        QuotaStats q = parse("count=,bytes=x;countHardLimit=3;;garbage,=5");
        assertThat(q.count()).isEqualTo(-1);
        assertThat(q.bytes()).isEqualTo(-1);
        assertThat(q.countHardLimit()).isEqualTo(3);
        // an empty value reads as -1, as in ZooKeeper
        assertThat(parse("count==7").count()).isEqualTo(-1);
    }

    @Test
    void limitsAndStatsPathsAreZooKeepers() {
        assertThat(QuotaPaths.limitPath("/a/b")).isEqualTo("/zookeeper/quota/a/b/zookeeper_limits");
        assertThat(QuotaPaths.statPath("/a")).isEqualTo("/zookeeper/quota/a/zookeeper_stats");
        assertThat(QuotaPaths.rootOfLimitNode("/zookeeper/quota/a/b/zookeeper_limits")).isEqualTo("/a/b");
        assertThat(QuotaPaths.rootOfStatNode("/zookeeper/quota/a/zookeeper_stats")).isEqualTo("/a");
        assertThat(QuotaPaths.rootOfLimitNode("/zookeeper/quota/zookeeper_limits")).isNull();
        assertThat(QuotaPaths.rootOfLimitNode("/zookeeper/quotas/zookeeper_limits")).isNull();
        assertThat(QuotaPaths.rootOfLimitNode("/a/zookeeper_limits")).isNull();
        assertThat(QuotaPaths.rootOfLimitNode("/zookeeper/quota/a/zookeeper_stats")).isNull();
    }
}
