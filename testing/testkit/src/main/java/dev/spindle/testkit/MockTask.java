package dev.spindle.testkit;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.Objects;

/**
 * Polls one future by hand, the way {@code tokio_test::task::spawn} does: each {@link #poll()} polls the
 * future with a {@link RecordingWaker}, so a test can check that a future woke its task exactly when it
 * should, how often, and that it never returned {@code Pending} without a way to be woken.
 *
 * <pre>{@code
 * var rx = Oneshot.<String>channel();
 * var task = MockTask.of(rx.receiver());
 * task.assertPending();            // registers the waker
 * rx.sender().send("hi");
 * assertTrue(task.isWoken());      // the send woke it
 * assertEquals("hi", task.assertReady());
 * }</pre>
 *
 * <p>Not thread-safe for polling (futures are polled by one thread at a time); wakes may come from any thread.
 * The budget is unconstrained unless {@link #withBudget(int)} is used.
 */
public final class MockTask<T> {
    private final Future<T> future;
    private final RecordingWaker waker = new RecordingWaker();
    private final TestContext cx = new TestContext(waker);
    private int polls;
    private boolean finished;

    private MockTask(Future<T> future) {
        this.future = Objects.requireNonNull(future, "future");
    }

    /** Wraps {@code future}; nothing is polled yet. */
    public static <T> MockTask<T> of(Future<T> future) {
        return new MockTask<>(future);
    }

    /** Gives each subsequent poll a cooperative budget of {@code budget} operations. */
    public MockTask<T> withBudget(int budget) {
        if (budget < 0) {
            throw new IllegalArgumentException("budget must be >= 0, was " + budget);
        }
        cx.budget(budget);
        return this;
    }

    /** Clears the wake count, then polls the future once. */
    public Poll<T> poll() {
        if (finished) {
            throw new IllegalStateException("MockTask: the future already completed or was cancelled; it must not be polled again");
        }
        waker.reset();
        cx.refill();
        polls++;
        Poll<T> p;
        try {
            p = future.poll(cx);
        } catch (RuntimeException | Error e) {
            finished = true;
            throw e;
        }
        if (p == null) {
            finished = true;
            throw new AssertionError("poll() returned null: a future must return Poll.ready(..) or Poll.pending()");
        }
        if (p.isReady()) {
            finished = true;
        }
        return p;
    }

    /** Polls and asserts the result is {@code Pending}. */
    public void assertPending() {
        Poll<T> p = poll();
        if (p.isReady()) {
            throw new AssertionError("expected Pending, got " + p);
        }
    }

    /** Polls, asserts the result is {@code Ready}, and returns the value. */
    public T assertReady() {
        Poll<T> p = poll();
        if (p.isPending()) {
            throw new AssertionError("expected Ready, got Pending (wakes so far: " + waker.wakeCount() + ")");
        }
        return p.value();
    }

    /** Calls the future's release hook, as a task does when it is aborted. */
    public void cancel() {
        if (finished) {
            throw new IllegalStateException("MockTask: the future already completed or was cancelled");
        }
        finished = true;
        future.cancel();
    }

    /** Whether the waker was woken since the last poll. */
    public boolean isWoken() {
        return waker.isWoken();
    }

    /** Wakes since the last poll. */
    public int wakeCount() {
        return waker.wakeCount();
    }

    /** How many times the future was polled. */
    public int pollCount() {
        return polls;
    }

    /** The waker handed to the future. */
    public RecordingWaker waker() {
        return waker;
    }

    /** Times the budget forced a yield, over all polls. */
    public long forcedYields() {
        return cx.yields();
    }
}
