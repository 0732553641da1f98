package dev.spindle.internal.task;

/**
 * A task's diagnostics counters and detector state, allocated at its first Pending poll (when it also joins the list
 * of waiting tasks): most tasks are ready on their first poll and never need one, and keeping these fields out of
 * {@link Task} keeps every spawn small (a {@code Task} is allocated per spawn, and spawn-heavy code pays for every
 * byte in allocation and collection).
 *
 * <h2>Ownership</h2>
 * Plain fields, written by the worker running the task and handed from run to run by the state word, like the task's
 * other plain fields; read racily by dumps and the watchdog, which tolerate a stale value (see {@code Task}). Nothing
 * here is written by a waker: the time of the last wake lives in the task, next to its state word.
 */
final class TaskStats {
    long wakes;
    long selfWakes;
    long declaredYields;
    long noProgressPolls;
    /** Coarse ({@code CoarseClock}) times and durations, see {@code TaskCounters}. */
    long busyNanos;
    long longestPollNanos;
    long lastWakeToPollNanos;
    long lastPollEnd;
    /** No-progress polls in a row (the busy-loop streak). */
    long streak;
    /** The last poll returned Pending without taking its waker and without waking itself (the lost-wakeup watch). */
    boolean pendingWithoutWaker;
    /** The last poll ended woken by itself, so the next poll is not caused by a wake from elsewhere. */
    boolean requeued;
    /** What the last Pending poll said it waits on. */
    Object waitingOn;

    // ---- the busy-loop window (see Task.checkBusyLoop) ----------------------------------------------
    /** {@link System#nanoTime()} at the start of the current window, or 0 before the first check of a streak. */
    long windowStart;
    /** The streak length and self-wakes at the window's start. */
    long windowStreak;
    long windowSelfWakes;
    /** Reported as a busy loop in the current streak (cleared by progress). */
    boolean busy;
    /** Throttle: polls are deferred until this time ({@code nanoTime}); 0 when not throttled. */
    long throttleUntil;
    /** The next throttle delay. */
    long backoffNanos;
    /** When it was last reported as a busy loop ({@code nanoTime}): reports are rate-limited per task. */
    long lastBusyReport;
}
