package dev.spindle.internal.scheduler;

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
 */
final class Parker {
    private static final int EMPTY = 0;
    private static final int PARKED = 1;
    private static final int NOTIFIED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Parker.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    @SuppressWarnings("unused")
    private volatile int state;

    Parker(Thread thread) {
        this.thread = thread;
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
        if ((int) STATE.getAndSet(this, NOTIFIED) == PARKED) { // volatile; pairs with the CAS in park()
            LockSupport.unpark(thread);
        }
    }
}
