package dev.spindle.internal.diagnostics;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** JFR's form of {@link dev.spindle.diagnostics.LostWakeup}. */
@Name("dev.spindle.LostWakeup")
@Label("Lost Wakeup")
@Description("A Spindle task returned Pending without taking its waker and nothing has woken it since")
public final class LostWakeupEvent extends TaskEvent {
    @Label("Waited")
    @Description("Time since the poll that returned Pending")
    @Timespan
    long waited;

    @Label("Waiting On")
    @Description("What its last poll said it waits for, where Spindle knows")
    String waitingOn;
}
