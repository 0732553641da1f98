package dev.spindle;

import java.util.List;

/**
 * A snapshot of a runtime's counters. Counters are always on and cheap (per-worker fields only their worker
 * writes, and striped adders); a snapshot reads them without stopping anything, so values are approximate while
 * the runtime runs.
 *
 * <p>A worker counts a completion just after it publishes the task's outcome, so {@code join()} can return a
 * moment before {@code completed} and {@code alive} include that task. A test that checks them after a join
 * should wait for the value (Awaitility's {@code await().until(...)}), not read it once.
 *
 * @param workers         worker threads
 * @param spawned         tasks spawned (including blocking tasks)
 * @param completed       tasks completed in any way
 * @param failed          tasks whose future threw
 * @param cancelled       tasks cancelled
 * @param alive           tasks spawned and not completed
 * @param injectQueueDepth tasks waiting in the remote (inject) queue
 * @param parkedWorkers   workers parked now
 * @param searchingWorkers workers searching for work now
 * @param timers          registered timers
 * @param containedFaults failures of code the runtime called (event driver, wakers, timers, release hooks) that
 *                        it contained: the worker went on. Not zero means something is wrong; the log says what
 * @param perWorker       per-worker counters
 * @param busyLoops       busy loops the detector reported (each task once per episode)
 * @param lostWakeups     lost wakeups reported
 * @param slowPolls       slow polls reported (each long poll once, however often it was escalated)
 * @param throttledTasks  tasks throttled now under the {@code throttle} busy-loop policy
 * @param abortedTasks    tasks aborted by the {@code abort} busy-loop policy
 */
public record RuntimeMetrics(int workers, long spawned, long completed, long failed, long cancelled, long alive,
                             int injectQueueDepth, int parkedWorkers, int searchingWorkers, int timers,
                             long containedFaults, List<WorkerMetrics> perWorker, long busyLoops, long lostWakeups,
                             long slowPolls, long throttledTasks, long abortedTasks) {

    /** Without the diagnostics counters (all zero). */
    public RuntimeMetrics(int workers, long spawned, long completed, long failed, long cancelled, long alive,
                          int injectQueueDepth, int parkedWorkers, int searchingWorkers, int timers,
                          long containedFaults, List<WorkerMetrics> perWorker) {
        this(workers, spawned, completed, failed, cancelled, alive, injectQueueDepth, parkedWorkers, searchingWorkers,
                timers, containedFaults, perWorker, 0, 0, 0, 0, 0);
    }

    /** Sum of polls over all workers. */
    public long totalPolls() {
        return perWorker.stream().mapToLong(WorkerMetrics::polls).sum();
    }

    /** Sum of steal operations over all workers. */
    public long totalSteals() {
        return perWorker.stream().mapToLong(WorkerMetrics::steals).sum();
    }

    /** Sum of parks over all workers. */
    public long totalParks() {
        return perWorker.stream().mapToLong(WorkerMetrics::parks).sum();
    }

    /** A multi-line, human-readable summary. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("runtime: %d workers, %d spawned, %d completed (%d failed, %d cancelled), %d alive, "
                        + "inject queue %d, %d parked, %d searching, %d timers, %d contained faults%n"
                + "diagnostics: %d busy loops (%d throttled now, %d aborted), %d lost wakeups, %d slow polls%n",
                workers, spawned, completed, failed, cancelled, alive, injectQueueDepth, parkedWorkers,
                searchingWorkers, timers, containedFaults, busyLoops, throttledTasks, abortedTasks, lostWakeups,
                slowPolls));
        for (WorkerMetrics w : perWorker) {
            b.append(String.format("  %-20s polls %9d  lifo %8d  steals %6d (%d tasks)  parks %6d  woken %6d  "
                            + "overflow %5d  timers %6d  queue %4d  forced yields %d%n",
                    w.name(), w.polls(), w.lifoPolls(), w.steals(), w.stolenTasks(), w.parks(), w.unparks(),
                    w.overflowed(), w.timersFired(), w.localQueueDepth(), w.forcedYields()));
        }
        return b.toString();
    }
}
