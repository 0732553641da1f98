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

    /** Diagnostic flags of the current poll (see {@link #markProgress()}); reset by {@link #reset}. */
    protected static final int PROGRESS = 1;
    protected static final int DECLARED_YIELD = 1 << 1;
    protected static final int WAKER_TAKEN = 1 << 2;

    private Waker waker;
    private int budget = UNCONSTRAINED;
    private long forcedYields;
    private int pollFlags;
    private Object waitingOn;

    /** A context with the given waker and no budget limit (test kits, manual polling). */
    public Context(Waker waker) {
        this.waker = java.util.Objects.requireNonNull(waker, "waker");
    }

    /**
     * The waker of the task being polled. Calling it also tells the runtime's lost-wakeup detector that the waker was
     * handed to something: a future that returns Pending must call it during that poll, even when it already stored
     * the same waker before (compare with {@link Waker#willWake}).
     */
    public final Waker waker() {
        pollFlags |= WAKER_TAKEN;
        return waker;
    }

    /**
     * Tells the runtime that something really moved during this poll: bytes read or written, a record decrypted, a
     * channel item, a timer fired, a child completed. Spindle's own resources call it; a future that owns its own
     * resource (not one of Spindle's) should call it too. The busy-loop detector counts polls that make no progress.
     * Cheap: a field write.
     */
    public final void markProgress() {
        pollFlags |= PROGRESS;
    }

    /**
     * Declares that the self-wake about to follow is a deliberate yield ({@code Futures.yieldNow()}, a spent budget),
     * not a busy loop: call it right before {@code waker().wake()}. A task that yields between chunks of real work is
     * never reported, even though each yield makes no measured progress.
     */
    public final void declareYield() {
        pollFlags |= DECLARED_YIELD;
    }

    /**
     * Says what this poll is waiting for, for task dumps ({@code SpindleRuntime.dump()}): a timer, a socket and
     * direction, a channel, a join handle. The first call of a poll wins (a timeout's own timer does not hide the
     * socket it guards). {@code what.toString()} is called later, from another thread, only when a
     * dump or report is made: give an object whose {@code toString} reads a few fields and never blocks.
     */
    public final void waitingOn(Object what) {
        if (waitingOn == null) {
            // The first wins: a future polls what it really waits for before its guards (a timeout's timer), and
            // a combinator its children in order.
            waitingOn = what;
        }
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
        pollFlags |= DECLARED_YIELD;
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
        this.pollFlags = 0;
        this.waitingOn = null;
    }

    /** The waker this context holds, without marking it taken: for the runtime's own bookkeeping (any thread, racy). */
    protected final Waker currentWaker() {
        return waker;
    }

    /** The diagnostic flags this poll set ({@link #PROGRESS}, {@link #DECLARED_YIELD}, {@link #WAKER_TAKEN}). */
    protected final int pollFlags() {
        return pollFlags;
    }

    /** What this poll last said it waits on ({@link #waitingOn(Object)}), or null. */
    protected final Object waitingOnObject() {
        return waitingOn;
    }

    /** How many times {@link #consumeBudget()} forced a yield through this context. */
    protected final long forcedYields() {
        return forcedYields;
    }
}
