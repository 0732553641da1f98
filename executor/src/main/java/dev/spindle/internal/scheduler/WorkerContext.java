package dev.spindle.internal.scheduler;

import dev.spindle.internal.task.PollMarks;

import dev.spindle.Context;
import dev.spindle.Waker;

/** The one {@link Context} a worker reuses for every poll; re-targeted and refilled before each. */
final class WorkerContext extends Context implements PollMarks {
    static {
        // Task reads the marks through PollMarks; both name the same bits.
        if (Context.PROGRESS != PollMarks.PROGRESS || Context.DECLARED_YIELD != PollMarks.DECLARED_YIELD
                || Context.WAKER_TAKEN != PollMarks.WAKER_TAKEN) {
            throw new ExceptionInInitializerError("Context's poll marks differ from PollMarks'");
        }
    }

    WorkerContext() {
        super(Waker.noop());
    }

    /** The waker of the task being (or last) polled; read racily by the watchdog (see Worker.pollingTask). */
    Waker lastWaker() {
        return currentWaker();
    }

    void prepare(Waker taskWaker, int budget) {
        reset(taskWaker, budget);
    }

    @Override
    public int pollMarks() {
        return pollFlags(); // Context's bits have PollMarks' values (checked above)
    }

    @Override
    public Object pollWaitingOn() {
        return waitingOnObject();
    }

    long yields() {
        return forcedYields();
    }
}
