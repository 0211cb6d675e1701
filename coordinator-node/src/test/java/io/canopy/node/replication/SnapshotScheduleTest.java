package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SnapshotScheduleTest {

    @Test
    void drawsBetweenHalfTheThresholdPlusOneAndTheThresholdAgainOnEveryRoll() {
        SnapshotSchedule schedule = new SnapshotSchedule(10_000, new SplittableRandom(1));
        assertThat(schedule.floor()).isEqualTo(5_001);
        Set<Long> drawn = new HashSet<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 2_000; i++) {
            long count = schedule.current();
            drawn.add(count);
            min = Math.min(min, count);
            max = Math.max(max, count);
            schedule.roll();
        }
        assertThat(min).isGreaterThanOrEqualTo(5_001).isLessThan(5_100);
        assertThat(max).isLessThanOrEqualTo(10_000).isGreaterThan(9_900);
        assertThat(drawn).as("a new count each time").hasSizeGreaterThan(1_500);
    }

    @Test
    void smallThresholdsKeepTheirBounds() {
        SnapshotSchedule one = new SnapshotSchedule(1, new SplittableRandom(2));
        SnapshotSchedule two = new SnapshotSchedule(2, new SplittableRandom(2));
        Set<Long> three = new HashSet<>();
        SnapshotSchedule s3 = new SnapshotSchedule(3, new SplittableRandom(2));
        for (int i = 0; i < 100; i++) {
            assertThat(one.current()).isEqualTo(1);
            assertThat(two.current()).isEqualTo(2);
            three.add(s3.current());
            one.roll();
            two.roll();
            s3.roll();
        }
        assertThat(one.floor()).isEqualTo(1);
        assertThat(SnapshotSchedule.floor(3)).isEqualTo(2);
        assertThat(three).containsExactlyInAnyOrder(2L, 3L);
    }

    @Test
    void aThresholdBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new SnapshotSchedule(0, new SplittableRandom()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("canopy.snapshot.threshold");
    }
}
