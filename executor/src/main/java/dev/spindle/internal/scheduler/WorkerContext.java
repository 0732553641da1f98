package dev.spindle.internal.scheduler;

import dev.spindle.Context;
import dev.spindle.Waker;

/** The one {@link Context} a worker reuses for every poll; re-targeted and refilled before each. */
final class WorkerContext extends Context implements dev.spindle.internal.task.PollMarks {
    WorkerContext() {
        super(Waker.noop());
    }

    void prepare(Waker taskWaker, int budget) {
        reset(taskWaker, budget);
    }

    @Override
    public int pollMarks() {
        return pollFlags(); // Context's bits have PollMarks' values (ContextMarksTest checks)
    }

    @Override
    public Object pollWaitingOn() {
        return waitingOnObject();
    }

    long yields() {
        return forcedYields();
    }
}
