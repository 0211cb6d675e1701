package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ratis settings that Canopy's durability or liveness depends on, pinned whatever a node's own settings are. */
class RatisConfigTest {
    @TempDir
    Path dir;

    private RaftProperties properties() {
        List<ReplicationSettings.Member> members = List.of(new ReplicationSettings.Member(1, "127.0.0.1", 2181, 9181),
                new ReplicationSettings.Member(2, "127.0.0.1", 2182, 9182),
                new ReplicationSettings.Member(3, "127.0.0.1", 2183, 9183));
        return RatisConfig.properties(new ReplicationSettings(1, members, false, "127.0.0.1", "test", dir,
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(10), 1000, 1 << 20, 1, 10_000, 3, 3,
                64L << 20));
    }

    @Test
    void noJvmPauseClosesTheMember() {
        // Ratis's default (60 s) shut the member down after a long pause and left the node serving no one.
        TimeDuration threshold = RaftServerConfigKeys.closeThreshold(properties());
        assertThat(threshold.compareTo(TimeDuration.valueOf(365, TimeUnit.DAYS))).isPositive();
    }

    @Test
    void entriesCountOnlyOnceFsynced() {
        assertThat(RaftServerConfigKeys.Log.unsafeFlushEnabled(properties())).isFalse();
    }
}
