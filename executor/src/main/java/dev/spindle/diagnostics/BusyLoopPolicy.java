package dev.spindle.diagnostics;

/**
 * What a runtime does with a task its busy-loop detector caught (see {@link BusyLoop}). Set per runtime with
 * {@code SpindleRuntime.Builder.busyLoopPolicy}, or the system property {@code spindle.busyLoopPolicy}
 * ({@code report}, {@code throttle}, {@code abort}).
 */
public enum BusyLoopPolicy {
    /** Report it (log, JFR, counters, listener) and leave it running. The default. */
    REPORT,
    /**
     * Report it, then delay each of its polls that follows a poll without progress, with a backoff that doubles
     * from 1 ms up to {@code 100 ms}: the task can no longer burn a core, and it still runs. Lifted as soon as one of
     * its polls makes progress.
     */
    THROTTLE,
    /**
     * Report it and cancel it: its release hook ({@code Future.cancel()}) runs once, and its handle fails with a
     * {@link dev.spindle.TaskCancelledException} whose message and cause ({@link BusyLoopException}) name the task.
     */
    ABORT
}
