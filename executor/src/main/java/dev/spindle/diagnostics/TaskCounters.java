package dev.spindle.diagnostics;

import java.time.Duration;

/**
 * A task's counters, always on. They are plain fields written by the worker polling the task and read here without
 * synchronization, so a snapshot of a running task may be slightly stale.
 *
 * <p>Times come from the runtime's coarse clock (see {@code docs}: refreshed every 10 ms by the watchdog while the
 * runtime is busy and by every worker leaving its park), not from a clock read per poll: a poll shorter than a tick
 * counts as 0 or one tick, so {@link #busy()} is a sampling estimate that is right on average over many polls and
 * {@link #longestPoll()} is exact to about a tick.
 *
 * @param polls             polls so far
 * @param wakes             wakes that scheduled it (a wake of a task already scheduled is folded into that one)
 * @param selfWakes         polls during which the task woke itself (declared yields included)
 * @param declaredYields    polls that ended with a declared yield ({@code Futures.yieldNow()}, a spent budget)
 * @param noProgressPolls   polls that returned Pending with no progress marked and no declared yield, after the first
 * @param busy              total time spent in its polls (coarse, see above)
 * @param longestPoll       its longest poll (coarse)
 * @param lastWakeToPoll    from its last scheduling to the poll that followed (coarse)
 */
public record TaskCounters(long polls, long wakes, long selfWakes, long declaredYields, long noProgressPolls,
                           Duration busy, Duration longestPoll, Duration lastWakeToPoll) {
}
