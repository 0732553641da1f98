package dev.spindle;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The handle of a spawned task: await its result as a future (inside a task) or as a blocking call
 * (outside the runtime's workers), or abort it.
 *
 * <h2>Outcomes</h2>
 * A task ends in exactly one of three ways, and every way of observing it agrees:
 * <ul>
 *   <li>its future returned {@code Ready(value)}: {@link #join()} and {@link #poll} give the value;</li>
 *   <li>its future threw: they throw {@link TaskFailedException} whose cause is the original exception;</li>
 *   <li>it was aborted (or the runtime closed first): they throw {@link TaskCancelledException}.</li>
 * </ul>
 *
 * <h2>Dropping the handle</h2>
 * Abandoning the handle does not stop the task (as with Tokio's {@code JoinHandle}): its release hook
 * {@link #cancel()} only forgets the awaiting waker. Use {@link #abort()} to stop the task.
 */
public interface JoinHandle<T> extends Future<T> {

    /** A number identifying the task within its runtime (for logs and dumps). */
    long id();

    /**
     * Blocks the calling thread until the task completes and returns its value. On a virtual thread the
     * carrier is released while waiting. Not interruptible (the interrupt status is kept).
     *
     * @throws TaskFailedException    if the task's future threw (the cause is the original exception)
     * @throws TaskCancelledException if the task was aborted
     * @throws IllegalStateException  if called on a worker thread of a Spindle runtime, where blocking
     *                                would stall the scheduler: await the handle as a future instead
     */
    T join();

    /**
     * Like {@link #join()}, waiting at most {@code timeout}.
     *
     * @throws TimeoutException     if the task has not completed by then (it keeps running)
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    T join(Duration timeout) throws InterruptedException, TimeoutException;

    /**
     * Requests cancellation. An idle task is cancelled by the next worker that picks it up; a running task
     * is cancelled as soon as its current poll returns. The future's release hook ({@link Future#cancel()})
     * runs exactly once, on a worker, and the handle completes with {@link TaskCancelledException}.
     * No effect once the task has completed.
     */
    void abort();

    /** Whether the task has completed (in any way). */
    boolean isDone();

    /** Whether the task completed by cancellation. */
    boolean isCancelled();

    /**
     * A {@link CompletableFuture} completed with the task's outcome (failures with the original cause).
     * Cancelling it aborts the task: cancellation is carried across.
     */
    CompletableFuture<T> toCompletableFuture();
}
