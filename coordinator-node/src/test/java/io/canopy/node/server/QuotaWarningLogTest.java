package io.canopy.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class QuotaWarningLogTest {

    @Test
    void logsEachQuotaAtMostOnceAMinute() {
        AtomicLong now = new AtomicLong(1_000_000);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        QuotaWarningLog log = new QuotaWarningLog(clock);
        assertThat(log.warn("Quota exceeded: /a [current count=4, softCountLimit=3]")).isTrue();
        assertThat(log.warn("Quota exceeded: /a [current count=5, softCountLimit=3]")).isFalse();
        assertThat(log.warn("Quota exceeded: /b [current bytes=9, softByteLimit=3]")).as("another quota").isTrue();
        now.addAndGet(59_999);
        assertThat(log.warn("Quota exceeded: /a [current count=6, softCountLimit=3]")).isFalse();
        now.addAndGet(1);
        assertThat(log.warn("Quota exceeded: /a [current count=7, softCountLimit=3]")).isTrue();
    }
}
