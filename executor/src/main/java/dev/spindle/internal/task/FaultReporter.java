package dev.spindle.internal.task;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts and reports failures of code the runtime calls but does not own: an event driver's {@code poll}, a
 * waker woken by a timer, the reactor or a completing task, a release hook ({@code Future.cancel()}), and,
 * as a last resort, anything else that escapes a worker's loop. Each is <em>contained</em> where it is called:
 * the caller goes on with the next waker, the next timer, the next task, and the worker stays alive and
 * consistent with the idle and driver bookkeeping. A worker that dies would still be counted as parked, and
 * every later notification would go to a thread that no longer runs.
 *
 * <h2>Reporting</h2>
 * Every failure is counted (exactly, in {@link #count}). It is logged through {@code System.Logger}
 * {@value #LOGGER} at WARNING with its stack trace the first time its kind occurs, then at most once per kind
 * every {@link #REPORT_INTERVAL_NANOS}, saying how many occurred since the last line: a driver or a waker that
 * fails on every poll cannot flood the log, and the count in the metrics stays exact.
 *
 * <h2>Which runtime</h2>
 * One instance per runtime; {@link #current()} finds the one of the worker running the calling thread. Code
 * that fails on another thread (a waker woken from a foreign thread) is reported to {@link #GLOBAL}, which
 * logs the same way but belongs to no runtime's metrics.
 *
 * <h2>Concurrency</h2>
 * Counts are {@link LongAdder}s (any thread). The log gate per kind is the time of the last report in an
 * {@link AtomicLongArray}; a reporter that wins the CAS from the value it read logs, the others only count.
 */
public final class FaultReporter {
    /** What failed. */
    public enum Kind {
        /** The runtime's event driver threw from {@code poll}. */
        EVENT_DRIVER("the event driver's poll"),
        /** A waker threw when woken by a timer, the I/O reactor or a completing task. */
        WAKER("a waker"),
        /** A future's release hook ({@code Future.cancel()}) threw. */
        RELEASE_HOOK("a release hook (Future.cancel())"),
        /** Something else escaped a worker's loop: a bug in the runtime, or the JVM out of a resource. */
        WORKER("the worker loop");

        final String what;

        Kind(String what) {
            this.what = what;
        }
    }

    /** The logger every report goes to. */
    public static final String LOGGER = "dev.spindle.runtime";

    /**
     * Between two log lines for the same kind. 10 s: a fault that repeats is visible within seconds, and one
     * that repeats on every poll (thousands a second) costs one line per 10 s.
     */
    static final long REPORT_INTERVAL_NANOS = 10_000_000_000L;

    private static final long NEVER = Long.MIN_VALUE;

    /** Failures on threads that belong to no runtime. */
    public static final FaultReporter GLOBAL = new FaultReporter("(no runtime)");

    private final String runtimeName;
    private final LongAdder[] counts = new LongAdder[Kind.values().length];
    /** Per kind: count at the last report, so a report can say how many occurred since. Guarded by the gate. */
    private final long[] countAtLastReport = new long[Kind.values().length];
    private final AtomicLongArray lastReportNanos = new AtomicLongArray(Kind.values().length);

    public FaultReporter(String runtimeName) {
        this.runtimeName = runtimeName;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
            lastReportNanos.set(i, NEVER);
        }
    }

    /** The reporter of the runtime whose worker runs the calling thread, else {@link #GLOBAL}. */
    public static FaultReporter current() {
        return Thread.currentThread() instanceof NonBlockingThread t ? t.faults() : GLOBAL;
    }

    /**
     * Counts {@code failure} and logs it if its kind has not been logged within the interval. Never throws:
     * it runs on the paths that keep a worker alive, where even logging may fail (out of memory or descriptors).
     *
     * @param where what the runtime was doing, for the log line (e.g. "firing timers")
     */
    public void contain(Kind kind, String where, Throwable failure) {
        int i = kind.ordinal();
        counts[i].increment();
        try {
            long now = System.nanoTime();
            long last = lastReportNanos.get(i); // volatile; pairs with the CAS below on other threads
            if (last != NEVER && now - last < REPORT_INTERVAL_NANOS) {
                return;
            }
            if (!lastReportNanos.compareAndSet(i, last, now)) {
                return; // another thread reports this round
            }
            long total = counts[i].sum();
            long since = total - countAtLastReport[i]; // written only by the CAS winner; a stale read only skews the count
            countAtLastReport[i] = total;
            String message = "Spindle runtime '" + runtimeName + "': " + kind.what + " threw while " + where
                    + "; contained, the worker goes on"
                    + (last == NEVER ? "" : " (" + since + " failure(s) of this kind since the last report)")
                    + ". Fix the code that threw; further failures of this kind are counted"
                    + " (RuntimeMetrics.containedFaults) and logged at most every "
                    + REPORT_INTERVAL_NANOS / 1_000_000_000L + " s.";
            System.getLogger(LOGGER).log(System.Logger.Level.WARNING, message, failure);
        } catch (Throwable ignored) {
            // not even logging works (out of memory or descriptors): the count above stands, the worker goes on
        }
    }

    /** Failures of {@code kind} so far. */
    public long count(Kind kind) {
        return counts[kind.ordinal()].sum();
    }

    /** Failures of every kind so far. */
    public long total() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }
}
