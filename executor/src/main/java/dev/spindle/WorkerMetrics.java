package dev.spindle;

/**
 * One worker's counters.
 *
 * @param index           worker index
 * @param name            thread name
 * @param polls           task polls
 * @param steals          successful steal operations
 * @param stolenTasks     tasks obtained by stealing
 * @param parks           times the worker parked
 * @param unparks         times it was woken by a notification (new work)
 * @param lifoPolls       polls served from the LIFO slot
 * @param overflowed      tasks moved from its full local queue to the inject queue
 * @param timersFired     timers this worker fired
 * @param localQueueDepth tasks in its local queue now
 * @param forcedYields    polls cut short by the cooperative budget
 */
public record WorkerMetrics(int index, String name, long polls, long steals, long stolenTasks, long parks,
                            long unparks, long lifoPolls, long overflowed, long timersFired, int localQueueDepth,
                            long forcedYields) {
}
