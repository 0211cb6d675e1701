package io.canopy.node.server;

import java.time.Duration;

/** Test waits, multiplied by -Dcanopy.test.timing on slow machines. */
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
