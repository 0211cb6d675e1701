package io.canopy.testcluster;

import java.time.Duration;

/**
 * Every wait in the integration tests goes through here, so one knob (system property
 * {@code canopy.test.timing}, default 1) stretches them all on a slow or busy machine.
 */
public final class Timing {

    private static final double FACTOR = parse(System.getProperty("canopy.test.timing", "1"));

    private Timing() {
    }

    /** The multiplier in force. */
    public static double factor() {
        return FACTOR;
    }

    /** {@code base} multiplied by the timing factor. */
    public static Duration scaled(Duration base) {
        return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * FACTOR)));
    }

    /** Shorthand for {@link #scaled(Duration)} of whole seconds. */
    public static Duration seconds(long seconds) {
        return scaled(Duration.ofSeconds(seconds));
    }

    private static double parse(String value) {
        try {
            double factor = Double.parseDouble(value.trim());
            return factor > 0 ? factor : 1;
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
