package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SessionIdsTest {

    @Test
    void idsCarryTheNodeIdInTheHighByteAndAreUnique() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        SessionIds a = new SessionIds(1, clock);
        SessionIds b = new SessionIds(2, clock);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            long x = a.nextId();
            long y = b.nextId();
            assertThat(x >>> 56).isEqualTo(1);
            assertThat(y >>> 56).isEqualTo(2);
            assertThat(seen.add(x)).isTrue();
            assertThat(seen.add(y)).isTrue();
        }
    }

    @Test
    void aRestartLaterDoesNotReuseIds() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        SessionIds before = new SessionIds(1, clock);
        long last = 0;
        for (int i = 0; i < 100; i++) {
            last = before.nextId();
        }
        clock.advance(1);
        assertThat(new SessionIds(1, clock).nextId()).isGreaterThan(last);
    }

    @Test
    void passwordsAreSixteenRandomBytes() {
        SessionIds ids = new SessionIds(1, new MutableClock(0));
        assertThat(ids.newPassword()).hasSize(16).isNotEqualTo(ids.newPassword());
    }

    @Test
    void refusesNodeIdsThatWouldCollideWithTtlMarkers() {
        assertThatThrownBy(() -> new SessionIds(255, new MutableClock(0))).isInstanceOf(IllegalArgumentException.class);
    }
}
