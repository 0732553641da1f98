package dev.spindle.internal.task;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A task-state machine driven the way a worker drives {@link Task#run}, with counters for the invariants of
 * {@link TaskState}. The "run queue" is a counter of queued copies: a SUBMIT or OK_NOTIFIED adds one, a
 * worker takes one before {@code transitionToRunning}.
 *
 * <p>The future is simulated: poll {@code readyOnPoll} returns Ready (0 = never).
 *
 * <p>Lost-wake detection: a waker bumps {@code wakeTickets} <em>before</em> its transition; a poll reads it
 * right <em>after</em> winning {@code transitionToRunning}. If a poll did not see a wake's ticket, the
 * wake's CAS came after the poll began, so it must cause one more run. Hence at quiescence (all queued
 * copies run), an incomplete task's last poll must have seen every ticket.
 *
 * <p>Uses plain checks, not AssertJ, so it can run inside Lincheck (whose instrumentation calls
 * {@code equals()} on AssertJ objects, which throw).
 */
final class TaskStateHarness {

    /** The smallest concrete task state. */
    static final class TestState extends TaskState<Integer> {
        TestState() {
            initScheduled();
        }

        void publish(int value) {
            completeWithValue(value);
        }

        void publishCancelled() {
            completeCancelled("aborted");
        }

        @Override
        protected String describe() {
            return "test task";
        }
    }

    final TestState state = new TestState();
    private final int readyOnPoll;

    final AtomicInteger queued = new AtomicInteger(1); // initScheduled: the spawn queued one copy
    final AtomicInteger insertions = new AtomicInteger(1);
    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger polls = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger completions = new AtomicInteger();
    final AtomicInteger wakes = new AtomicInteger();
    final AtomicInteger wakeSubmits = new AtomicInteger();
    final AtomicInteger abortSubmits = new AtomicInteger();
    final AtomicLong wakeTickets = new AtomicLong();
    /** Ticket count seen by the latest poll; written by the running worker only (one at a time). */
    final AtomicLong lastPollSaw = new AtomicLong(-1);

    TaskStateHarness(int readyOnPoll) {
        this.readyOnPoll = readyOnPoll;
    }

    static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    private void enqueue() {
        insertions.incrementAndGet();
        int n = queued.incrementAndGet();
        check(n == 1, "task queued twice (" + n + " copies), state " + TaskState.describeBits(state.stateBits()));
    }

    /** A waker: Task.wake(). */
    void wake() {
        wakes.incrementAndGet();
        wakeTickets.incrementAndGet(); // before the transition: see class doc
        switch (state.transitionToNotified()) {
            case SUBMIT -> {
                wakeSubmits.incrementAndGet();
                enqueue();
            }
            case DO_NOTHING -> {
            }
        }
    }

    /** JoinHandle.abort(). */
    void abort() {
        switch (state.transitionToAborted()) {
            case SUBMIT -> {
                abortSubmits.incrementAndGet();
                enqueue();
            }
            case DO_NOTHING, ALREADY_DONE -> {
            }
        }
    }

    /** Takes one queued copy off {@code queued} (a count of copies in a run queue); false if there was none. */
    static boolean takeQueued(java.util.concurrent.atomic.AtomicInteger queued) {
        for (;;) {
            int q = queued.get();
            if (q == 0) {
                return false;
            }
            if (queued.compareAndSet(q, q - 1)) {
                return true;
            }
        }
    }

    /** A worker: takes a queued copy if there is one and runs it. Returns false if none was queued. */
    boolean tryRunOne() {
        if (!takeQueued(queued)) {
            return false;
        }
        runs.incrementAndGet();
        switch (state.transitionToRunning()) {
            case DONE -> {
                return true;
            }
            case CANCEL -> {
                enterRunning();
                complete(true);
                return true;
            }
            case POLL -> {
            }
        }
        enterRunning();
        lastPollSaw.set(wakeTickets.get()); // after transitionToRunning: see class doc
        int poll = polls.incrementAndGet();
        if (readyOnPoll > 0 && poll >= readyOnPoll) {
            complete(false);
            return true;
        }
        running.decrementAndGet(); // the poll is over; the state still says RUNNING until the CAS below
        switch (state.transitionToIdle()) {
            case OK -> {
            }
            case OK_NOTIFIED -> enqueue();
            case CANCEL -> {
                enterRunning();
                complete(true);
            }
        }
        return true;
    }

    private void enterRunning() {
        int r = running.incrementAndGet();
        check(r == 1, r + " workers run the task at once");
    }

    private void complete(boolean cancelled) {
        state.transitionToComplete();
        if (cancelled) {
            state.publishCancelled();
        } else {
            state.publish(1);
        }
        completions.incrementAndGet();
        running.decrementAndGet();
    }

    /** Runs every queued copy (call at quiescence, from one thread). */
    void drain() {
        while (tryRunOne()) {
            // keep running
        }
    }

    /** Invariants at quiescence, after {@link #drain()}. */
    void checkQuiescent() {
        int s = state.stateBits();
        String where = "state " + TaskState.describeBits(s) + ", runs " + runs + ", polls " + polls + ", wakes "
                + wakes + ", insertions " + insertions + ", completions " + completions;
        check(queued.get() == 0, "copies left after drain: " + where);
        check(runs.get() == insertions.get(), "every queue insertion runs exactly once: " + where);
        check(polls.get() <= wakes.get() + 1, "more polls than wakes + 1: " + where);
        check(completions.get() <= 1, "completed more than once: " + where);
        check((s & TaskState.RUNNING) == 0, "still RUNNING at quiescence: " + where);
        if ((s & TaskState.COMPLETE) != 0) {
            check(completions.get() == 1, "COMPLETE without a completion: " + where);
            check(state.isDone(), "COMPLETE but outcome not published: " + where);
            // terminal: nothing changes any more
            check(state.transitionToNotified() == TaskState.WakeResult.DO_NOTHING, "wake after COMPLETE");
            check(state.transitionToAborted() == TaskState.AbortResult.ALREADY_DONE, "abort after COMPLETE");
            check(state.stateBits() == s, "COMPLETE changed to " + TaskState.describeBits(state.stateBits()));
        } else {
            check(completions.get() == 0, "completed but state is " + where);
            check((s & TaskState.NOTIFIED) == 0, "NOTIFIED but not queued: " + where);
            check((s & TaskState.CANCELLED) == 0, "abort requested but never run: " + where);
            check(lastPollSaw.get() == wakeTickets.get(), "lost wake: the last poll saw " + lastPollSaw
                    + " of " + wakeTickets + " wakes, and no run followed: " + where);
        }
    }
}
