package dev.spindle.internal.task;

/**
 * What a poll told its context (see {@code Context.markProgress}, {@code declareYield}, {@code waker},
 * {@code waitingOn}): implemented by the worker's context so that {@link Task#run} can read it after the poll.
 * A plain {@code Context} (tests polling a task by hand) does not implement it; its polls count as progress.
 */
public interface PollMarks {
    /** Bits of {@link #pollMarks()}; the same values as {@code Context}'s (checked by a test). */
    int PROGRESS = 1;
    int DECLARED_YIELD = 1 << 1;
    int WAKER_TAKEN = 1 << 2;

    /** The marks of the poll that just ended. */
    int pollMarks();

    /** What that poll said it waits on, or null. */
    Object pollWaitingOn();
}
