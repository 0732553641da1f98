package dev.spindle.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Where a {@link Scheduler} is in its life, as one state word: the phase, and whether the event driver was given
 * up.
 *
 * <pre>
 *   RUNNING ──close──► CLOSED ──startCancellingAll──► CANCELLING ──terminate──► TERMINATING
 *                                                         (any phase) ──disableDriver──► + DRIVER_DISABLED
 * </pre>
 * <ul>
 *   <li>{@code CLOSED}: new work is refused ({@code shutdown}, {@code shutdownNow}, {@code close}, or a failure of
 *       the runtime).</li>
 *   <li>{@code CANCELLING}: every task is being cancelled; a task not polled yet is cancelled by the worker that
 *       takes it instead of being polled ({@code Scheduler.admitFirstPoll}).</li>
 *   <li>{@code TERMINATING}: no task is live any more; the workers leave their loops.</li>
 * </ul>
 * The phase only moves forward, and a later phase implies the earlier ones (a terminating scheduler is closed).
 * Each transition says whether it moved the phase or found it already there or past it, so of several threads
 * that race to close, exactly one learns that it did. {@code DRIVER_DISABLED} is a flag beside the phase: set at
 * most once (the event driver failed too often, see {@code Scheduler.fail}), in any phase, never cleared.
 *
 * <p>Ordering: every read is {@code getVolatile} and every transition a {@code compareAndExchange} loop (volatile),
 * so the word takes part in the sequentially consistent order the scheduler's Dekker pairs rely on: a spawner
 * counts its task and then reads the phase, the closing thread moves the phase and then reads the counts
 * ({@code Scheduler.spawn}, {@code Scheduler.liveTasks}); {@code startCancellingAll} precedes the close of the
 * list of waiting tasks, and a first poll reads the phase before it runs ({@code Scheduler.cancelAll}).
 */
final class Lifecycle {
    /** The phases, in the order they are passed. */
    enum Phase { RUNNING, CLOSED, CANCELLING, TERMINATING }

    /** What a transition did. */
    enum Transition {
        /** The word changed: this call moved the phase (or set the flag). */
        MOVED,
        /** The phase was already there or past it (or the flag was already set): nothing changed. */
        ALREADY_THERE
    }

    private static final int PHASE_MASK = 3;
    private static final int DRIVER_DISABLED = 4;
    private static final Phase[] PHASES = Phase.values();

    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(Lifecycle.class, "word", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The phase's ordinal in the low two bits, and {@link #DRIVER_DISABLED}. Accessed through {@link #WORD}. */
    @SuppressWarnings("unused")
    private int word;

    Phase phase() {
        return PHASES[(int) WORD.getVolatile(this) & PHASE_MASK]; // pairs with the CAS in advance/disableDriver
    }

    /** Whether new work is refused: {@code CLOSED} or later. */
    boolean isClosed() {
        return ((int) WORD.getVolatile(this) & PHASE_MASK) >= Phase.CLOSED.ordinal(); // pairs with advance's CAS
    }

    /** Whether every task is being cancelled: {@code CANCELLING} or later. */
    boolean isCancellingAll() {
        return ((int) WORD.getVolatile(this) & PHASE_MASK) >= Phase.CANCELLING.ordinal(); // pairs with advance's CAS
    }

    /** Whether the workers are to leave: {@code TERMINATING}. */
    boolean isTerminating() {
        return ((int) WORD.getVolatile(this) & PHASE_MASK) == Phase.TERMINATING.ordinal(); // pairs with advance's CAS
    }

    /** Whether the event driver was given up. */
    boolean isDriverDisabled() {
        return ((int) WORD.getVolatile(this) & DRIVER_DISABLED) != 0; // pairs with disableDriver's CAS
    }

    /** Refuse new work from now on. */
    Transition close() {
        return advance(Phase.CLOSED);
    }

    /** Every task is being cancelled from now on (implies closed). */
    Transition startCancellingAll() {
        return advance(Phase.CANCELLING);
    }

    /** The workers are to leave their loops (implies closed and cancelling). */
    Transition terminate() {
        return advance(Phase.TERMINATING);
    }

    /** The event driver is not to be polled again. */
    Transition disableDriver() {
        int w = (int) WORD.getVolatile(this);
        while ((w & DRIVER_DISABLED) == 0) {
            int witness = (int) WORD.compareAndExchange(this, w, w | DRIVER_DISABLED); // volatile
            if (witness == w) {
                return Transition.MOVED;
            }
            w = witness;
        }
        return Transition.ALREADY_THERE;
    }

    private Transition advance(Phase to) {
        int w = (int) WORD.getVolatile(this);
        while ((w & PHASE_MASK) < to.ordinal()) {
            int witness = (int) WORD.compareAndExchange(this, w, (w & ~PHASE_MASK) | to.ordinal()); // volatile
            if (witness == w) {
                return Transition.MOVED;
            }
            w = witness;
        }
        return Transition.ALREADY_THERE;
    }

    @Override
    public String toString() {
        return phase() + (isDriverDisabled() ? "+DRIVER_DISABLED" : "");
    }
}
