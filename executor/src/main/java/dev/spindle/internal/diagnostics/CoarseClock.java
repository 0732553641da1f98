package dev.spindle.internal.diagnostics;

/**
 * A clock that costs a field read, for the per-task counters: reading {@link System#nanoTime()} twice per poll would
 * cost 60 ns here (kvm-clock), more than a whole yield-and-repoll (about 55 ns).
 *
 * <p>It is refreshed by every runtime's watchdog on each tick (10 ms while a worker is awake, 100 ms when all are
 * parked), and by nobody else: a worker that wrote it as it left its park would pull its cache line away from the
 * other workers, which read it on every poll (measured: a ping-pong between two tasks parks and unparks on every
 * message). So a value read from it is at most a tick old while the runtime is busy, and up to 100 ms old in the first
 * tick after an idle runtime wakes. A duration measured as the difference of two
 * reads is a sampling estimate: 0 or a tick for a short poll, right on average over many polls; durations longer than
 * a tick are exact to a tick.
 *
 * <p>Ordering: plain {@code volatile} long, written by several threads without coordination. Two writers may race
 * and leave the clock a few microseconds behind for one tick; readers therefore clamp negative differences to zero
 * ({@link #since}). Nothing is ordered by it: it is a number, not a flag.
 */
public final class CoarseClock {
    private static volatile long now = System.nanoTime();

    private CoarseClock() {
    }

    /** The coarse time ({@link System#nanoTime()} base). A volatile read: a plain load on x86. */
    public static long now() {
        return now;
    }

    /** Reads the real clock into the coarse one and returns it. */
    public static long refresh() {
        long t = System.nanoTime();
        now = t;
        return t;
    }

    /** {@code later - earlier}, never negative (see the class comment). */
    public static long since(long earlier, long later) {
        long d = later - earlier;
        return d < 0 ? 0 : d;
    }
}
