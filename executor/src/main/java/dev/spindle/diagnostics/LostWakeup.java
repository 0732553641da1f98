package dev.spindle.diagnostics;

import java.time.Duration;

/**
 * A task whose last poll returned Pending without taking its waker ({@code cx.waker()}), and that nothing has woken
 * since: nothing can ever wake it.
 *
 * @param runtime the runtime's name
 * @param task    the task
 * @param waited  how long it has waited since that poll (at least the threshold)
 */
public record LostWakeup(String runtime, TaskInfo task, Duration waited) implements DiagnosticEvent {

    @Override
    public String message() {
        return "lost wakeup: task " + task.label() + " returned Pending without taking its waker and has not been"
                + " woken for " + waited.toMillis() + " ms; nothing can wake it, so it will hang forever. Spawned at "
                + task.spawnSite() + ". A future that returns Pending must hand cx.waker() to what it waits for"
                + " (call cx.waker() on every such poll, even if it stored the same waker before).";
    }
}
