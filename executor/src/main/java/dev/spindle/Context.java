package dev.spindle;

/**
 * What a future is given when it is polled: the {@link Waker} of the task polling it, and the task's
 * cooperative budget.
 *
 * <h2>Lifetime</h2>
 * A context is valid only for the duration of the {@code poll} it was passed to; a worker reuses one
 * context for all the tasks it polls. Store {@link #waker()}, never the context.
 *
 * <h2>Cooperative budget</h2>
 * Each poll of a task may perform {@link #DEFAULT_BUDGET} resource operations (channel receives, I/O).
 * A resource that is ready calls {@link #consumeBudget()} before doing its work; when that returns
 * {@code false} the budget is spent: {@code consumeBudget} has already woken the task, and the resource
 * returns {@code Pending} so that the task goes to the back of the run queue. One always-ready resource
 * thus cannot starve the other tasks of a worker. Such a self-wake is legitimate progress and is counted
 * as a forced yield, not as a busy loop.
 */
public class Context {

    /**
     * Operations per task poll. Tokio settled on 128 (task/coop/mod.rs): large enough that a task moving
     * data through a ready channel is rarely interrupted, small enough that one such task gives way to
     * the others within tens of microseconds.
     */
    public static final int DEFAULT_BUDGET = 128;

    /** Budget value meaning "no limit": used for contexts that are not driven by a worker. */
    protected static final int UNCONSTRAINED = -1;

    private Waker waker;
    private int budget = UNCONSTRAINED;
    private long forcedYields;

    /** A context with the given waker and no budget limit (test kits, manual polling). */
    public Context(Waker waker) {
        this.waker = java.util.Objects.requireNonNull(waker, "waker");
    }

    /** The waker of the task being polled. */
    public final Waker waker() {
        return waker;
    }

    /**
     * Takes one unit of the task's cooperative budget. Returns {@code true} if the caller may proceed.
     * Returns {@code false} when the budget is spent; in that case the task's waker has been woken, and the
     * caller must return {@code Pending} without doing its operation.
     */
    public final boolean consumeBudget() {
        int b = budget;
        if (b == UNCONSTRAINED) {
            return true;
        }
        if (b > 0) {
            budget = b - 1;
            return true;
        }
        forcedYields++;
        waker.wake();
        return false;
    }

    /** Remaining budget for this poll, or {@code -1} if unconstrained. */
    public final int remainingBudget() {
        return budget;
    }

    /** Whether an operation may proceed without spending the last of the budget check; does not consume. */
    public final boolean hasBudget() {
        return budget != 0;
    }

    /** Re-targets this context at another task before polling it; for the runtime and test kits. */
    protected final void reset(Waker waker, int budget) {
        this.waker = waker;
        this.budget = budget;
    }

    /** How many times {@link #consumeBudget()} forced a yield through this context. */
    protected final long forcedYields() {
        return forcedYields;
    }
}
