package dev.spindle.diagnostics;

import java.util.Locale;

/**
 * How much the {@linkplain LeakDetector leak detector} watches: chosen by the system property
 * {@value #PROPERTY} ({@code off}, {@code sampled} or {@code paranoid}, default {@code sampled}) or at run time
 * with {@link LeakDetector#setLevel}.
 */
public enum LeakDetection {
    /** Nothing is tracked; creating a resource costs one read of the level. */
    OFF,
    /**
     * One resource in {@value LeakDetector#SAMPLING_INTERVAL}, chosen at random, is tracked with its creation stack;
     * the others cost one random draw. Leaks in code that leaks often are found in production at a small cost.
     */
    SAMPLED,
    /** Every resource is tracked with its creation stack: for test suites (a stack trace per resource is slow). */
    PARANOID;

    /** The system property that sets the level at start-up. */
    public static final String PROPERTY = "spindle.leakDetection";

    /**
     * The level named by {@code value} (case and surrounding blanks ignored); {@code null} or blank means the
     * default, {@link #SAMPLED}.
     *
     * @throws IllegalArgumentException naming {@value #PROPERTY} if {@code value} is none of off, sampled, paranoid
     */
    public static LeakDetection parse(String value) {
        if (value == null || value.isBlank()) {
            return SAMPLED;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "sampled" -> SAMPLED;
            case "paranoid" -> PARANOID;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + "='" + value
                    + "' is not a leak detection level: use off, sampled (the default) or paranoid");
        };
    }
}
