package dev.spindle.internal.scheduler;

import dev.spindle.spi.EventDriver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks one worker thread; any thread may unpark it. A three-state handshake avoids both lost unparks and
 * needless {@link LockSupport#unpark} system calls:
 * <pre>
 *   EMPTY ──park()──▶ PARKED ──unpark()──▶ NOTIFIED ──(park returns)──▶ EMPTY
 *   EMPTY ──unpark()──▶ NOTIFIED  (the next park() returns at once, consuming it)
 * </pre>
 * {@code unpark} calls {@code LockSupport.unpark} only when it finds PARKED. Both sides use sequentially
 * consistent exchanges on {@code state}; {@code LockSupport}'s own permit covers the window between the
 * parker setting PARKED and actually blocking.
 *
 * <p>The worker that owns the runtime's {@link EventDriver} blocks in the driver instead
 * ({@link #parkInDriver}): the state is then PARKED_IN_DRIVER and {@code unpark} calls
 * {@link EventDriver#wakeup()}, whose "the next poll returns at once" rule covers the window between
 * setting the state and entering {@code poll}, as LockSupport's permit does for PARKED.
 */
final class Parker {
    private static final int EMPTY = 0;
    private static final int PARKED = 1;
    private static final int NOTIFIED = 2;
    private static final int PARKED_IN_DRIVER = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Parker.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    private final EventDriver driver;
    @SuppressWarnings("unused")
    private int state;

    /** A parker for {@code thread} with no event driver. */
    Parker(Thread thread) {
        this(thread, null);
    }

    Parker(Thread thread, EventDriver driver) {
        this.thread = thread;
        this.driver = driver;
    }

    /**
     * Owner thread only, while it owns the driver: blocks in {@link EventDriver#poll} until events, an
     * {@link #unpark()} or the timeout ({@code <= 0}: none). Events are dispatched by the driver.
     */
    void parkInDriver(long timeoutNanos) {
        if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) { // consume a pending unpark
            return;
        }
        if (!STATE.compareAndSet(this, EMPTY, PARKED_IN_DRIVER)) {
            STATE.setVolatile(this, EMPTY); // only unpark() changes EMPTY concurrently, to NOTIFIED
            return;
        }
        try {
            driver.poll(timeoutNanos > 0 ? timeoutNanos : -1);
        } finally {
            // Back to EMPTY; an unpark that arrived meanwhile (NOTIFIED) is consumed too: the caller re-checks
            // for work after every return, as after a spurious wake-up.
            STATE.getAndSet(this, EMPTY);
        }
    }

    /**
     * Owner thread only. Blocks until {@link #unpark()} or until {@code timeoutNanos} pass ({@code <= 0}:
     * no timeout). Returns true if it was unparked, false on timeout.
     */
    boolean park(long timeoutNanos) {
        if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) { // consume a pending unpark
            return true;
        }
        if (!STATE.compareAndSet(this, EMPTY, PARKED)) {
            // Only unpark() changes EMPTY concurrently, to NOTIFIED: consume it.
            STATE.setVolatile(this, EMPTY);
            return true;
        }
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        for (;;) {
            if (timeoutNanos > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    // Timed out, unless an unpark raced in: then report it as an unpark.
                    return (int) STATE.getAndSet(this, EMPTY) == NOTIFIED;
                }
                LockSupport.parkNanos(this, left);
            } else {
                LockSupport.park(this);
            }
            if (STATE.compareAndSet(this, NOTIFIED, EMPTY)) { // pairs with getAndSet in unpark()
                return true;
            }
            // Spurious wake-up (or interrupt): go back to sleep.
            Thread.interrupted();
        }
    }

    /** Any thread. */
    void unpark() {
        int prev = (int) STATE.getAndSet(this, NOTIFIED); // volatile; pairs with the CASes in park()/parkInDriver()
        if (prev == PARKED) {
            LockSupport.unpark(thread);
        } else if (prev == PARKED_IN_DRIVER) {
            driver.wakeup();
        }
    }
}
