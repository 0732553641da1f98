package dev.spindle.diagnostics;

import java.time.Duration;

/**
 * A task that kept being polled without progress.
 *
 * @param runtime       the runtime's name
 * @param task          the task
 * @param pollsInWindow polls without progress in the window that triggered the report
 * @param selfWakes     how many of them were woken during their own poll (the incident's signature)
 * @param window        how long the polls without progress went on when it was reported
 * @param policy        what the runtime does about it
 */
public record BusyLoop(String runtime, TaskInfo task, long pollsInWindow, long selfWakes, Duration window,
                       BusyLoopPolicy policy) implements DiagnosticEvent {

    @Override
    public String message() {
        String action = switch (policy) {
            case REPORT -> "left running (policy report; set busyLoopPolicy to throttle or abort to contain it)";
            case THROTTLE -> "throttled: its polls are delayed, up to 100 ms, until one makes progress";
            case ABORT -> "aborted: its handle fails and its release hook runs";
        };
        return "busy loop: task " + task.label() + " was polled " + pollsInWindow + " times in "
                + window.toMillis() + " ms without progress (" + selfWakes + " of those polls woke the task itself);"
                + " it burns a worker. Spawned at " + task.spawnSite() + ". " + action + ". A future must wake its"
                + " task only when it can make progress; a leaf that moved something calls cx.markProgress(), a"
                + " deliberate yield uses Futures.yieldNow().";
    }
}
