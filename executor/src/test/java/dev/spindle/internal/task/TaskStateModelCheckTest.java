package dev.spindle.internal.task;

import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.spindle.internal.task.TaskStateHarness.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Lincheck model checks of the {@link TaskState} transitions: wakers, an aborter and two workers race; every
 * explored interleaving must keep the invariants of {@link TaskStateHarness}: never two runners at once,
 * never two queued copies, every queue insertion run exactly once, a wake during a poll yields exactly one
 * more run (no lost wake), completion at most once and terminal.
 */
@Tag("model")
@Timeout(120)
class TaskStateModelCheckTest {
    private static final int INVOCATIONS = 400;

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    /** Two wakers, two workers; the future never completes. */
    @Test
    void wakesRacingPolls() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            TaskStateHarness h = new TaskStateHarness(0);
            Thread w1 = start(h::wake);
            Thread w2 = start(h::wake);
            Thread worker2 = start(() -> {
                h.tryRunOne();
                h.tryRunOne();
            });
            h.tryRunOne();
            h.tryRunOne();
            join(w1, w2, worker2);
            h.drain();
            h.checkQuiescent();
        });
    }

    /** A waker and an aborter race a worker; the future is ready on its second poll. */
    @Test
    void wakeAndAbortRacingCompletion() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            TaskStateHarness h = new TaskStateHarness(2);
            Thread waker = start(() -> {
                h.wake();
                h.wake();
            });
            Thread aborter = start(h::abort);
            h.tryRunOne();
            h.tryRunOne();
            join(waker, aborter);
            h.drain();
            h.checkQuiescent();
            check(h.state.isDone(), "an aborted task must complete once its copies ran");
        });
    }

    /** Abort racing a wake of an idle task: exactly one of them queues it, and it completes cancelled. */
    @Test
    void abortRacingWakeOfIdleTask() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            TaskStateHarness h = new TaskStateHarness(0);
            h.drain(); // first poll: now idle
            Thread waker = start(h::wake);
            Thread aborter = start(h::abort);
            Thread worker2 = start(h::tryRunOne);
            h.tryRunOne();
            join(waker, aborter, worker2);
            h.drain();
            h.checkQuiescent();
            check(h.state.isCancelled(), "abort of a running-or-idle task completes it as cancelled");
            check(h.insertions.get() <= 3, "at most: spawn, one wake, one abort");
        });
    }
}
