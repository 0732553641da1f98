package dev.spindle.internal.task;

/**
 * Marks threads that must never block: the runtime's workers. Blocking calls ({@code join()},
 * {@code blockOn}) check for it and fail fast instead of stalling the scheduler.
 */
public interface NonBlockingThread {

    /** A name for error messages. */
    String describeForBlockingError();

    /** Where failures of foreign code called on this thread are counted and reported. */
    FaultReporter faults();

    /** Throws if the calling thread is a worker. {@code operation} names what the caller tried to do. */
    static void checkMayBlock(String operation) {
        if (Thread.currentThread() instanceof NonBlockingThread w) {
            throw new IllegalStateException(operation + " was called on " + w.describeForBlockingError()
                    + ", a Spindle worker thread: blocking it would stall every task queued behind it and can deadlock"
                    + " the runtime. Inside a task, await the future instead (return it from poll, or compose it with"
                    + " flatMap/join); to block, call it from a virtual thread, e.g. runtime.spawnBlocking(...).");
        }
    }
}
