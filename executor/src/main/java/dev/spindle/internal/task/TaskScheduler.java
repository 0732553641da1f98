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

    /** Reports an exception thrown by a release hook ({@code Future.cancel()}). */
    void reportHookFailure(Task<?> task, Throwable failure);

    /** Why the runtime failed, if it did: the cause that cancelled tasks carry. Null while healthy. */
    default Throwable failure() {
        return null;
    }
}
