package dev.spindle.internal.diagnostics;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** JFR's form of {@link dev.spindle.diagnostics.BusyLoop}. */
@Name("dev.spindle.BusyLoop")
@Label("Busy Loop")
@Description("A Spindle task was polled again and again without progress")
public final class BusyLoopEvent extends TaskEvent {
    @Label("Polls In Window")
    @Description("Polls without progress in the window that triggered the report")
    long pollsInWindow;

    @Label("Self Wakes")
    @Description("How many of those polls woke the task itself")
    long selfWakes;

    @Label("Window")
    @Timespan
    long window;

    @Label("Policy")
    @Description("What the runtime does about it: REPORT, THROTTLE or ABORT")
    String policy;
}
