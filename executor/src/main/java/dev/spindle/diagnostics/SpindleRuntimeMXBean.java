package dev.spindle.diagnostics;

import dev.spindle.WorkerMetrics;

import java.util.List;

/**
 * A runtime as JMX sees it: registered by default on the platform MBean server as
 * {@code dev.spindle:type=Runtime,name=<runtime name>} while the runtime lives, unregistered when it is closed
 * ({@code close()}, {@code shutdown(Duration)}, {@code shutdownNow()}). A second live runtime of the same name is
 * {@code name-2}, the next {@code name-3}; a name with characters an {@code ObjectName} value cannot hold is quoted
 * ({@link javax.management.ObjectName#quote}). {@code SpindleRuntime.Builder.jmx(false)} (or
 * {@code -Dspindle.jmx=false}) skips the registration, and a registration that fails is logged at WARNING under
 * {@code dev.spindle.runtime} and the runtime runs without it. A runtime that failed ({@code SpindleRuntime.failure()})
 * stays registered, showing {@link #getFailure()}, until it is closed.
 *
 * <p>Every attribute reads a fresh {@code SpindleRuntime.metrics()} snapshot; counts are totals since the runtime
 * started, levels are the value now.
 */
public interface SpindleRuntimeMXBean {

    /** The runtime's name ({@code SpindleRuntime.name()}; the ObjectName may carry a {@code -2} suffix). */
    String getName();

    /** Whether shutdown has begun. */
    boolean isClosed();

    /** Whether every worker has exited. */
    boolean isTerminated();

    /** Why the runtime failed ({@code SpindleRuntime.failure()}), or null. */
    String getFailure();

    int getWorkers();

    long getSpawnedTasks();

    long getCompletedTasks();

    long getFailedTasks();

    long getCancelledTasks();

    long getAliveTasks();

    int getInjectQueueDepth();

    int getParkedWorkers();

    int getSearchingWorkers();

    int getTimers();

    long getContainedFaults();

    long getBusyLoops();

    long getLostWakeups();

    long getSlowPolls();

    /** Tasks throttled now by the busy-loop policy. */
    long getThrottledTasks();

    long getAbortedTasks();

    long getTotalPolls();

    long getTotalSteals();

    long getTotalParks();

    /** Per-worker counters (an array of CompositeData in a generic JMX client). */
    List<WorkerMetrics> getPerWorker();

    /** {@code SpindleRuntime.dump()} as its text table, stuck tasks first. */
    String dump();

    /** {@code SpindleRuntime.dump()} as rows (an array of CompositeData in a generic JMX client), stuck tasks first. */
    List<TaskRow> dumpTasks();

    /**
     * One task of {@link #dumpTasks()}: {@link TaskInfo} with times in milliseconds and the state as its name, which
     * JMX's open types can carry.
     *
     * @param id              the task's id
     * @param name            its name, or null
     * @param state           its {@link TaskInfo.State} name
     * @param typeChain       its type chain
     * @param spawnSite       where it was spawned
     * @param waitingOn       what it waits for, where Spindle knows, else null
     * @param ageMillis       since it was spawned
     * @param idleMillis      since its last poll ended
     * @param polls           polls so far
     * @param wakes           wakes that scheduled it
     * @param selfWakes       polls during which it woke itself
     * @param noProgressPolls polls that returned Pending without progress
     * @param busyMillis      time spent in its polls (coarse)
     */
    record TaskRow(long id, String name, String state, String typeChain, String spawnSite, String waitingOn,
                   long ageMillis, long idleMillis, long polls, long wakes, long selfWakes, long noProgressPolls,
                   long busyMillis) {

        /** The row of {@code t}. */
        public static TaskRow of(TaskInfo t) {
            TaskCounters c = t.counters();
            return new TaskRow(t.id(), t.name(), t.state().name(), t.typeChain(), t.spawnSite(), t.waitingOn(),
                    t.age().toMillis(), t.idle().toMillis(), c.polls(), c.wakes(), c.selfWakes(),
                    c.noProgressPolls(), c.busy().toMillis());
        }
    }
}
