package dev.spindle.time;

import dev.spindle.Future;

import java.time.Duration;
import java.util.Objects;

/**
 * Timers: sleeps, intervals and timeouts, driven by the runtime's hierarchical timing wheel (millisecond
 * resolution). All of them are lazy futures that must be polled on a runtime's worker.
 */
public final class Time {
    private Time() {
    }

    /** Completes {@code duration} after this call (not after the first poll). */
    public static Sleep sleep(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        return new Sleep(System.nanoTime() + saturatedNanos(duration));
    }

    /** Completes at {@code deadlineNanos}, a {@link System#nanoTime()} value. */
    public static Sleep sleepUntil(long deadlineNanos) {
        return new Sleep(deadlineNanos);
    }

    /** Ticks every {@code period}, the first tick at once. See {@link Interval}. */
    public static Interval interval(Duration period) {
        return new Interval(System.nanoTime(), positive(period), MissedTickBehavior.BURST);
    }

    /** Ticks every {@code period}, the first tick at {@code firstTickNanos}. */
    public static Interval intervalAt(long firstTickNanos, Duration period, MissedTickBehavior behavior) {
        return new Interval(firstTickNanos, positive(period), Objects.requireNonNull(behavior, "behavior"));
    }

    /**
     * Runs {@code future} with a deadline: completes with its value if it finishes within {@code limit},
     * else cancels it (its release hook runs) and fails with {@link DeadlineExceededException}.
     */
    public static <T> Future<T> timeout(Duration limit, Future<T> future) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(future, "future");
        return new TimeoutFuture<>(future, sleep(limit), limit);
    }

    static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 4; // ~73 years: effectively never
        }
    }

    private static Duration positive(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("interval period must be positive, was " + period);
        }
        return period;
    }
}
