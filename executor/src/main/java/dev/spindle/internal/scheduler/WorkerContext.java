package dev.spindle.internal.scheduler;

import dev.spindle.Context;
import dev.spindle.Waker;

/** The one {@link Context} a worker reuses for every poll; re-targeted and refilled before each. */
final class WorkerContext extends Context {
    WorkerContext() {
        super(Waker.noop());
    }

    void prepare(Waker taskWaker, int budget) {
        reset(taskWaker, budget);
    }

    long yields() {
        return forcedYields();
    }
}
