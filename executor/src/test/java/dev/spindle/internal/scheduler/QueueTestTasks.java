package dev.spindle.internal.scheduler;

import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.internal.task.Task;
import dev.spindle.internal.task.TaskScheduler;

/** Inert tasks for queue tests: only their ids matter; they are never run. */
final class QueueTestTasks {
    private static final Future<Void> NEVER = cx -> Poll.pending();

    /** A scheduler that must never be called: queue tests do not run tasks. */
    static final TaskScheduler SCHEDULER = new TaskScheduler() {
        @Override
        public void schedule(Task<?> task, boolean fromWake) {
            throw new AssertionError("queue tests do not wake tasks");
        }

        @Override
        public void taskCompleted(Task<?> task, Throwable unobservedFailure) {
            throw new AssertionError("queue tests do not run tasks");
        }

        @Override
        public void reportHookFailure(Task<?> task, Throwable failure) {
            throw new AssertionError("queue tests do not run tasks");
        }
    };

    private QueueTestTasks() {
    }

    static Task<Void> task(long id) {
        return new Task<>(id, NEVER, SCHEDULER);
    }

    /**
     * Plain check. Inside Lincheck's model checker AssertJ cannot be used: Lincheck's instrumentation calls
     * {@code equals()} on the objects it sees, and AssertJ's assertions throw from {@code equals()}.
     */
    static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
