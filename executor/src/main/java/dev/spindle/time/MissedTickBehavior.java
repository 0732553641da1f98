package dev.spindle.time;

/** What an {@link Interval} does when ticks were missed because it was not polled in time (as in Tokio). */
public enum MissedTickBehavior {
    /** Fire the missed ticks back to back until caught up; the schedule keeps its original phase. */
    BURST,
    /** Fire once now, and schedule the next tick one period after now. */
    DELAY,
    /** Fire once now, and skip to the next tick on the original schedule. */
    SKIP
}
