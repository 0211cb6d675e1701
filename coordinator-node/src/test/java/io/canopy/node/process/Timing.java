package io.canopy.node.process;

import java.time.Duration;

/** One knob for slow machines: every wait in the integration tests is multiplied by {@code -Dcanopy.test.timing}. */
public final class Timing {
    private static final double FACTOR = Double.parseDouble(System.getProperty("canopy.test.timing", "1"));

    private Timing() {
    }

    public static Duration scaled(Duration d) {
        return Duration.ofMillis((long) (d.toMillis() * FACTOR));
    }

    public static Duration seconds(long s) {
        return scaled(Duration.ofSeconds(s));
    }
}
