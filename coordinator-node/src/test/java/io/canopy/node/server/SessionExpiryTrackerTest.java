package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.canopy.core.SessionInfo;

class SessionExpiryTrackerTest {
    private final MutableClock clock = new MutableClock(1_000_000);
    private final SessionExpiryTracker tracker = new SessionExpiryTracker(clock);

    @Test
    void expiresOnlyAfterAFullTimeoutOfSilenceAndOnlyOnce() {
        tracker.track(1, 1000);
        tracker.track(2, 5000);
        clock.advance(999);
        assertThat(tracker.takeExpired()).isEmpty();
        clock.advance(1);
        assertThat(tracker.takeExpired()).containsExactly(1L);
        assertThat(tracker.takeExpired()).isEmpty();
    }

    @Test
    void touchPushesTheDeadline() {
        tracker.track(1, 1000);
        clock.advance(900);
        tracker.touch(1);
        clock.advance(900);
        assertThat(tracker.takeExpired()).isEmpty();
        clock.advance(100);
        assertThat(tracker.takeExpired()).containsExactly(1L);
    }

    @Test
    void aRetimedSessionExpiresByItsNewTimeoutFromNow() {
        tracker.track(1, 30_000);
        clock.advance(10_000);
        tracker.retime(1, 2000);
        clock.advance(1999);
        assertThat(tracker.takeExpired()).isEmpty();
        tracker.touch(1);
        clock.advance(1999);
        assertThat(tracker.takeExpired()).as("a touch gives the new timeout").isEmpty();
        clock.advance(1);
        assertThat(tracker.takeExpired()).containsExactly(1L);
        tracker.retime(1, 60_000); // a session already being closed stays closing
        assertThat(tracker.takeExpired()).isEmpty();
        tracker.retime(7, 1000);   // an unknown session is not tracked by retiming it
        clock.advance(1000);
        assertThat(tracker.takeExpired()).isEmpty();
    }

    @Test
    void aFailedExpiryIsRetriedAfterAnotherTimeout() {
        tracker.track(1, 1000);
        clock.advance(1000);
        assertThat(tracker.takeExpired()).containsExactly(1L);
        tracker.touch(1); // a late packet does not revive a session being closed
        tracker.retry(1);
        assertThat(tracker.takeExpired()).isEmpty();
        clock.advance(1000);
        assertThat(tracker.takeExpired()).containsExactly(1L);
    }

    @Test
    void aNewLeaderGivesEverySessionAFullTimeout() {
        tracker.track(1, 1000);
        clock.advance(5000);
        tracker.reset(List.of(new SessionInfo(1, 1000, new byte[16], 0, 1), new SessionInfo(3, 2000, new byte[16], 0, 1)));
        assertThat(tracker.takeExpired()).isEmpty();
        clock.advance(1000);
        assertThat(tracker.takeExpired()).containsExactly(1L);
        clock.advance(1000);
        assertThat(tracker.takeExpired()).containsExactly(3L);
        tracker.remove(1);
        tracker.remove(3);
        assertThat(tracker.size()).isZero();
    }
}
