package dev.spindle;

/**
 * A handle that schedules a task to be polled again.
 *
 * <p>A future that returns {@link Poll#pending()} must first hand {@code cx.waker()} to whatever it waits for;
 * that thing calls {@link #wake()} once progress is possible. Waking is cheap, idempotent until the next
 * poll, safe from any thread, and a no-op once the task has finished. Spindle's tasks are their own wakers,
 * so a waker is never allocated per poll or per wake.
 *
 * <p>Store the waker, not the {@link Context}: a context is only valid during the poll it was passed to.
 */
@FunctionalInterface
public interface Waker {

    /** Schedules the task owning this waker to be polled again. Never blocks, never throws. */
    void wake();

    /**
     * Whether waking {@code other} would wake the same task as waking this one. Futures use it to skip
     * re-registering a waker that is already stored: {@code if (stored == null || !stored.willWake(w)) stored = w;}
     */
    default boolean willWake(Waker other) {
        return this == other;
    }

    /** A waker that does nothing, for futures polled where no wake-up is wanted. */
    static Waker noop() {
        return NoopWaker.INSTANCE;
    }
}

/** The shared do-nothing waker. */
final class NoopWaker implements Waker {
    static final NoopWaker INSTANCE = new NoopWaker();

    private NoopWaker() {
    }

    @Override
    public void wake() {
    }

    @Override
    public String toString() {
        return "Waker.noop()";
    }
}
