package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.testkit.TestContext;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Test-only: drives futures on a plain thread without the runtime. The waker sets a flag and unparks its
 * thread; {@link #await} polls, and while {@code Pending} spins briefly then parks until woken. A wait longer
 * than the deadline fails the test as a lost wake-up (a generous bound: the verdict never depends on timing
 * otherwise).
 */
final class ThreadWaker implements Waker {
    static final long LOST_WAKEUP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Thread thread = Thread.currentThread();
    private volatile boolean woken;
    final TestContext cx = new TestContext(this);

    /** A waker for the current thread, with a cooperative budget per poll ({@code -1}: unconstrained). */
    ThreadWaker(int budget) {
        cx.budget(budget);
    }

    @Override
    public void wake() {
        woken = true;
        LockSupport.unpark(thread);
    }

    /** Polls until Ready; returns the value. */
    <T> T await(Future<T> f) {
        while (true) {
            Poll<T> p = poll(f);
            if (p.isReady()) {
                return p.value();
            }
            park();
        }
    }

    /** One poll with a refilled budget, clearing the woken flag first. */
    <T> Poll<T> poll(Future<T> f) {
        woken = false;
        cx.refill();
        return f.poll(cx);
    }

    /** The context, refilled, with the woken flag cleared: for pollRecv-style calls. */
    Context fresh() {
        woken = false;
        cx.refill();
        return cx;
    }

    /** Waits until woken; fails after {@link #LOST_WAKEUP_NANOS}. */
    void park() {
        for (int i = 0; i < 200 && !woken; i++) {
            Thread.onSpinWait();
        }
        long deadline = System.nanoTime() + LOST_WAKEUP_NANOS;
        while (!woken) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not woken within " + TimeUnit.NANOSECONDS.toSeconds(LOST_WAKEUP_NANOS)
                        + " s after Pending: lost wake-up");
            }
            LockSupport.parkNanos(this, left);
        }
    }

    long forcedYields() {
        return cx.yields();
    }
}
