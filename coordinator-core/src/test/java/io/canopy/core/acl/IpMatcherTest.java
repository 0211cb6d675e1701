package io.canopy.core.acl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IpMatcherTest {
    @Test
    void ipv4ExactAndCidr() {
        assertThat(IpMatcher.matches("10.0.0.1", "10.0.0.1")).isTrue();
        assertThat(IpMatcher.matches("10.0.0.2", "10.0.0.1")).isFalse();
        assertThat(IpMatcher.matches("10.0.7.9", "10.0.0.0/16")).isTrue();
        assertThat(IpMatcher.matches("10.1.7.9", "10.0.0.0/16")).isFalse();
        assertThat(IpMatcher.matches("1.2.3.4", "0.0.0.0/0")).isTrue();
        assertThat(IpMatcher.matches("10.0.0.129", "10.0.0.128/25")).isTrue();
        assertThat(IpMatcher.matches("10.0.0.127", "10.0.0.128/25")).isFalse();
        assertThat(IpMatcher.isValid("10.0.0.0/33")).isFalse();
        assertThat(IpMatcher.isValid("10.0.0/8")).isFalse();
        assertThat(IpMatcher.isValid("256.0.0.1")).isFalse();
        assertThat(IpMatcher.isValid("host.example.com")).isFalse();
    }

    @Test
    void ipv6() {
        assertThat(IpMatcher.matches("0:0:0:0:0:0:0:1", "::1")).isTrue();
        assertThat(IpMatcher.matches("2001:db8::5", "2001:db8::/32")).isTrue();
        assertThat(IpMatcher.matches("2001:db9::5", "2001:db8::/32")).isFalse();
        assertThat(IpMatcher.matches("::ffff:10.0.0.1", "::ffff:10.0.0.0/120")).isTrue();
        assertThat(IpMatcher.matches("10.0.0.1", "::ffff:10.0.0.1")).isFalse();
        assertThat(IpMatcher.isValid("2001:db8::/129")).isFalse();
        assertThat(IpMatcher.isValid("1::2::3")).isFalse();
        assertThat(IpMatcher.isValid("1:2:3:4:5:6:7:8:9")).isFalse();
        assertThat(IpMatcher.isValid("fe80::1%eth0")).isFalse();
    }
}
