package dev.spindle.internal.task;

/**
 * The busy-loop detector's state of one task, allocated only when the task has made
 * {@link Task#STREAK_CHECK} polls in a row without progress: most tasks never need it, and keeping these fields out of
 * {@link Task} keeps every task small to allocate. Owned by the worker running the task, handed from run to run by the
 * state word like the task's other plain fields; read racily by dumps.
 */
final class TaskWatch {
    // ---- poller: the busy-loop window -------------------------------------------------------------
    /** {@link System#nanoTime()} at the start of the current window, or 0 before the first check. */
    long windowStart;
    /** The task's no-progress streak length and self-wakes at the window's start. */
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
