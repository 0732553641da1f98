package dev.spindle.internal.diagnostics;

import dev.spindle.diagnostics.TaskInfo;
import jdk.jfr.Category;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.StackTrace;

/**
 * The fields every detector event shares: the runtime and the task it names. Abstract, so JFR does not register it
 * as an event type of its own. No stack trace: the event is committed by the reporting worker or the watchdog, whose
 * own stack says nothing about the task (a slow poll carries the worker's sampled stack as text instead).
 */
@Category("Spindle")
@StackTrace(false)
abstract class TaskEvent extends Event {
    @Label("Runtime")
    String runtime;

    @Label("Task Id")
    long taskId;

    @Label("Task Name")
    String taskName;

    @Label("Type Chain")
    String typeChain;

    @Label("Spawn Site")
    String spawnSite;

    final void task(String runtimeName, TaskInfo task) {
        runtime = runtimeName;
        taskId = task.id();
        taskName = task.name();
        typeChain = task.typeChain();
        spawnSite = task.spawnSite();
    }
}
