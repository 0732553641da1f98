package dev.spindle.internal.diagnostics;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR's form of {@link dev.spindle.diagnostics.SlowPoll}. The poll's length is a field, not the event's duration:
 * the watchdog commits the event while the poll is still running, and a report can be repeated as it goes on.
 */
@Name("dev.spindle.SlowPoll")
@Label("Slow Poll")
@Description("A Spindle task's poll held its worker longer than the slow-poll threshold")
public final class SlowPollEvent extends TaskEvent {
    @Label("Worker")
    String worker;

    @Label("Poll Duration")
    @Description("How long the poll had run when the worker's stack was sampled")
    @Timespan
    long pollDuration;

    @Label("Worker Stack")
    @Description("The worker's stack sampled during the poll, one frame a line")
    String stack;
}
