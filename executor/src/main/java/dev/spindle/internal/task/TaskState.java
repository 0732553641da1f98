package dev.spindle.internal.task;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lifecycle of a task, packed into one atomic {@code int}. Transitions return enums, and callers
 * {@code switch} over every result.
 *
 * <h2>Bits</h2>
 * <pre>
 *   RUNNING   a worker is polling the future (or running its cancellation)
 *   NOTIFIED  the task must be polled (again): it is in a run queue, or will be put in one when the
 *             running poll ends
 *   COMPLETE  the task finished (value, failure or cancellation); terminal
 *   CANCELLED abort() was requested; the next worker to run the task cancels instead of polling
 * </pre>
 *
 * <h2>States</h2>
 * <pre>
 *   idle                  0                      waiting for a wake
 *   scheduled             NOTIFIED               in exactly one run queue
 *   running               RUNNING                being polled
 *   notified-running      RUNNING|NOTIFIED       woken during its poll: polled once more afterwards
 *   complete              COMPLETE (|CANCELLED)  terminal; wakes are no-ops
 *   (+CANCELLED on any non-terminal state: abort requested)
 * </pre>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Only the transition that sets NOTIFIED on an idle task ({@link WakeResult#SUBMIT},
 *       {@link AbortResult#SUBMIT}) and {@link IdleResult#OK_NOTIFIED} may put the task in a queue, so a
 *       task is in at most one queue.</li>
 *   <li>Only {@link #transitionToRunning()} sets RUNNING, and it requires NOTIFIED without RUNNING, which
 *       only the single queued copy has: no two threads poll a task at once.</li>
 *   <li>A wake during a poll sets NOTIFIED on a RUNNING task; {@link #transitionToIdle()} sees it and
 *       returns {@code OK_NOTIFIED}, so the task is queued and polled exactly once more.</li>
 *   <li>Once COMPLETE, nothing changes any more.</li>
 * </ul>
 * All transitions are CAS loops (volatile, sequentially consistent): they publish the task's plain fields
 * written by the previous owner (the future's own state) to the next worker that runs it.
 */
public abstract class TaskState<T> extends Completion<T> {
    public static final int RUNNING = 1;
    public static final int NOTIFIED = 1 << 1;
    public static final int COMPLETE = 1 << 2;
    public static final int CANCELLED = 1 << 3;
    /** Somebody will certainly await the outcome (blockOn): a failure is never reported as unobserved. */
    public static final int OBSERVED = 1 << 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TaskState.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The packed state; accessed only through STATE (volatile/CAS). */
    @SuppressWarnings("unused")
    private int state;

    /** Result of {@link #transitionToNotified()}. */
    public enum WakeResult {
        /** The task was idle: the caller must put it in a run queue. */
        SUBMIT,
        /** Already scheduled, running (it will be re-polled), or complete: nothing to do. */
        DO_NOTHING
    }

    /** Result of {@link #transitionToRunning()}. */
    public enum RunResult {
        /** Poll the future. */
        POLL,
        /** Abort was requested: run the cancellation instead of polling. */
        CANCEL,
        /** The task is already complete (a stale queue entry): drop it. */
        DONE
    }

    /** Result of {@link #transitionToIdle()}. */
    public enum IdleResult {
        /** Now idle, waiting for a wake. */
        OK,
        /** Woken during the poll: the caller must queue it again (it is now "scheduled"). */
        OK_NOTIFIED,
        /** Abort was requested during the poll: the caller must run the cancellation now. */
        CANCEL
    }

    /** Result of {@link #transitionToAborted()}. */
    public enum AbortResult {
        /** The task was idle: it is now scheduled with CANCELLED; the caller must queue it. */
        SUBMIT,
        /** Running or queued: the worker that runs it next sees CANCELLED. */
        DO_NOTHING,
        /** Already complete, or abort already requested. */
        ALREADY_DONE
    }

    protected TaskState() {
        // state = 0: idle. The spawner makes it scheduled with initScheduled() before queueing it.
    }

    /** Marks a new, never-queued task as scheduled. Plain: the queueing that follows publishes it. */
    protected final void initScheduled() {
        STATE.set(this, NOTIFIED);
    }

    /** Marks a new, never-queued task as certainly awaited. Plain, like {@link #initScheduled()}. */
    public final void markObserved() {
        STATE.set(this, (int) STATE.get(this) | OBSERVED);
    }

    /** Whether {@link #markObserved()} was called. */
    protected final boolean isObserved() {
        return (stateBits() & OBSERVED) != 0;
    }

    /** Current state bits (volatile read); for diagnostics and tests. */
    public final int stateBits() {
        return (int) STATE.getVolatile(this);
    }

    /** A wake: see {@link WakeResult}. */
    public final WakeResult transitionToNotified() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & (COMPLETE | NOTIFIED)) != 0) {
                return WakeResult.DO_NOTHING;
            }
            int next = s | NOTIFIED;
            int witness = (int) STATE.compareAndExchange(this, s, next); // volatile; pairs with every transition
            if (witness == s) {
                return (s & RUNNING) != 0 ? WakeResult.DO_NOTHING : WakeResult.SUBMIT;
            }
            s = witness;
        }
    }

    /** A worker took the task out of a queue. Requires NOTIFIED and not RUNNING. */
    public final RunResult transitionToRunning() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & COMPLETE) != 0) {
                return RunResult.DONE;
            }
            if ((s & RUNNING) != 0 || (s & NOTIFIED) == 0) {
                throw new IllegalStateException("task dequeued in state " + describeBits(s) + ": this is a bug in Spindle");
            }
            int next = (s & ~NOTIFIED) | RUNNING;
            // volatile CAS: acquires the future's state as the previous poll left it (that poll ended with
            // the CAS in transitionToIdle, a release).
            int witness = (int) STATE.compareAndExchange(this, s, next);
            if (witness == s) {
                return (s & CANCELLED) != 0 ? RunResult.CANCEL : RunResult.POLL;
            }
            s = witness;
        }
    }

    /** The poll returned Pending. Requires RUNNING. */
    public final IdleResult transitionToIdle() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & RUNNING) == 0) {
                throw new IllegalStateException("transitionToIdle in state " + describeBits(s) + ": this is a bug in Spindle");
            }
            if ((s & CANCELLED) != 0) {
                return IdleResult.CANCEL; // stays RUNNING: the caller cancels and completes
            }
            int next = s & ~RUNNING;
            int witness = (int) STATE.compareAndExchange(this, s, next); // volatile; releases the future's state
            if (witness == s) {
                return (s & NOTIFIED) != 0 ? IdleResult.OK_NOTIFIED : IdleResult.OK;
            }
            s = witness;
        }
    }

    /**
     * The poll returned Pending after the task woke itself on the polling thread (a yield, a spent
     * budget), a wake that {@link Task} recorded in a plain field instead of setting NOTIFIED: one CAS from
     * RUNNING straight to scheduled, where a wake during the poll would have cost two. Requires RUNNING.
     * Returns {@link IdleResult#OK_NOTIFIED} (queue it) or {@link IdleResult#CANCEL}.
     */
    public final IdleResult transitionToNotifiedFromRunning() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & RUNNING) == 0) {
                throw new IllegalStateException("transitionToNotifiedFromRunning in state " + describeBits(s)
                        + ": this is a bug in Spindle");
            }
            if ((s & CANCELLED) != 0) {
                return IdleResult.CANCEL;
            }
            int next = (s & ~RUNNING) | NOTIFIED;
            int witness = (int) STATE.compareAndExchange(this, s, next); // volatile; releases the future's state
            if (witness == s) {
                return IdleResult.OK_NOTIFIED;
            }
            s = witness;
        }
    }

    /** The task finished (value, failure or cancellation). Requires RUNNING. Terminal. */
    public final void transitionToComplete() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & RUNNING) == 0) {
                throw new IllegalStateException("transitionToComplete in state " + describeBits(s) + ": this is a bug in Spindle");
            }
            int next = COMPLETE | (s & (CANCELLED | OBSERVED));
            int witness = (int) STATE.compareAndExchange(this, s, next);
            if (witness == s) {
                return;
            }
            s = witness;
        }
    }

    /** abort(): see {@link AbortResult}. */
    public final AbortResult transitionToAborted() {
        int s = (int) STATE.getVolatile(this);
        for (;;) {
            if ((s & (COMPLETE | CANCELLED)) != 0) {
                return AbortResult.ALREADY_DONE;
            }
            boolean idle = (s & (RUNNING | NOTIFIED)) == 0;
            int next = idle ? (s | CANCELLED | NOTIFIED) : (s | CANCELLED);
            int witness = (int) STATE.compareAndExchange(this, s, next);
            if (witness == s) {
                return idle ? AbortResult.SUBMIT : AbortResult.DO_NOTHING;
            }
            s = witness;
        }
    }

    /** Human-readable bits, for messages and dumps. */
    public static String describeBits(int s) {
        if (s == 0) {
            return "IDLE";
        }
        StringBuilder b = new StringBuilder();
        if ((s & RUNNING) != 0) b.append("RUNNING|");
        if ((s & NOTIFIED) != 0) b.append("NOTIFIED|");
        if ((s & COMPLETE) != 0) b.append("COMPLETE|");
        if ((s & CANCELLED) != 0) b.append("CANCELLED|");
        if ((s & OBSERVED) != 0) b.append("OBSERVED|");
        b.setLength(b.length() - 1);
        return b.toString();
    }
}
