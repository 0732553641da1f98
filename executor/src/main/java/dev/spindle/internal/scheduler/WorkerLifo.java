package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.Task;

/** The LIFO slot: written by the owner (release) on local spawns and wakes, emptied by the owner or a stealer (CAS). */
abstract class WorkerLifo extends WorkerPad1 {
    @SuppressWarnings("unused")
    Task<?> lifo; // accessed through Worker.LIFO (see Worker's class doc)

    WorkerLifo(int index, Scheduler scheduler, SchedulerConfig config) {
        super(index, scheduler, config);
    }
}
