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
}
