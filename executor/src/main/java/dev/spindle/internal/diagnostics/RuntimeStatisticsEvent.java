package dev.spindle.internal.diagnostics;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * A live runtime's counters ({@link dev.spindle.RuntimeMetrics}), one event per runtime each period. Counts are
 * totals since the runtime started, so a consumer takes differences between two events for rates.
 */
@Name("dev.spindle.RuntimeStatistics")
@Label("Runtime Statistics")
@Description("The counters of a live Spindle runtime")
@Category("Spindle")
@Period("1 s")
@StackTrace(false)
public final class RuntimeStatisticsEvent extends Event {
    @Label("Runtime")
    String runtime;

    @Label("Workers")
    int workers;

    @Label("Spawned")
    @Description("Tasks spawned, blocking tasks included")
    long spawned;

    @Label("Completed")
    long completed;

    @Label("Failed")
    long failed;

    @Label("Cancelled")
    long cancelled;

    @Label("Alive")
    @Description("Tasks spawned and not completed")
    long alive;

    @Label("Polls")
    long polls;

    @Label("Steals")
    long steals;

    @Label("Parks")
    long parks;

    @Label("Inject Queue Depth")
    int injectQueueDepth;

    @Label("Parked Workers")
    int parkedWorkers;

    @Label("Searching Workers")
    int searchingWorkers;

    @Label("Timers")
    int timers;

    @Label("Contained Faults")
    long containedFaults;

    @Label("Busy Loops")
    long busyLoops;

    @Label("Lost Wakeups")
    long lostWakeups;

    @Label("Slow Polls")
    long slowPolls;

    @Label("Throttled Tasks")
    @Description("Tasks throttled now by the busy-loop policy")
    long throttledTasks;

    @Label("Aborted Tasks")
    long abortedTasks;
}
