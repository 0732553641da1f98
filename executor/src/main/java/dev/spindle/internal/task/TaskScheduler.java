package dev.spindle.internal.task;

/** What a task needs from the scheduler that runs it. */
public interface TaskScheduler {

    /**
     * Puts a task that just became scheduled into a run queue. {@code fromWake} is true for wakes (which
     * may use the waking worker's LIFO slot) and false for spawns and aborts.
     */
    void schedule(Task<?> task, boolean fromWake);

    /**
     * Called once per task, after its outcome is published. {@code unobservedFailure} is the exception if
     * the task failed and nobody was awaiting it, else null.
     */
    void taskCompleted(Task<?> task, Throwable unobservedFailure);

    /**
     * Called by the worker about to poll a task for the first time (it is RUNNING): false once the runtime has
     * started cancelling every task (close, shutdown, failure), and the task is then cancelled instead of polled.
     * A runtime that never cancels all its tasks may keep the default.
     */
    default boolean admitFirstPoll(Task<?> task) {
        return true;
    }

    /**
     * Called by the worker whose first poll of {@code task} returned Pending, while the task is still RUNNING:
     * adds it to the runtime's list of waiting tasks, which is what cancelling every task walks. False if that
     * list is closed (cancellation of every task has started): the caller then cancels the task itself.
     */
    default boolean register(Task<?> task) {
        return true;
    }

    /** Called once, before {@link #taskCompleted}, for a task that {@link #register} accepted. */
    default void deregister(Task<?> task) {
    }

    /** Reports an exception thrown by a release hook ({@code Future.cancel()}). */
    void reportHookFailure(Task<?> task, Throwable failure);

    /** Why the runtime failed, if it did: the cause that cancelled tasks carry. Null while healthy. */
    default Throwable failure() {
        return null;
    }

    // ---- diagnostics (see dev.spindle.diagnostics); defaults: detectors off --------------------------

    /** The runtime's name, for reports. */
    default String runtimeName() {
        return "(test)";
    }

    /** Whether the busy-loop detector runs for this scheduler's tasks. */
    default boolean detectsBusyLoops() {
        return false;
    }

    /** How long polls without progress must go on to be a busy loop. */
    default long busyLoopWindowNanos() {
        return Long.MAX_VALUE;
    }

    /**
     * {@code task} (RUNNING, on the calling worker) has been polled {@code polls} times without progress over
     * {@code nanos}, {@code selfWakes} of them woken by itself: report it (rate-limited by the caller) and return the
     * policy to apply. {@code firstInStreak}: the first report of this streak (counted once).
     */
    default dev.spindle.diagnostics.BusyLoopPolicy busyLoop(Task<?> task, long polls, long selfWakes, long nanos,
                                                            boolean firstInStreak) {
        return dev.spindle.diagnostics.BusyLoopPolicy.REPORT;
    }

    /** Throttled tasks now: +1 when a task starts being throttled, -1 when it stops or completes. */
    default void throttled(int delta) {
    }

    /**
     * Puts {@code task}, which is scheduled (NOTIFIED) and was taken from a queue, back in a queue after
     * {@code nanos}: a throttled task's poll is deferred.
     */
    default void deferPoll(Task<?> task, long nanos) {
        schedule(task, false);
    }
}
