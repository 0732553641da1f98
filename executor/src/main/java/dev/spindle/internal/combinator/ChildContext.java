package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

/**
 * A {@link Context} that a combinator passes to a child instead of its own, so that the child registers a
 * per-child {@link Waker} (see {@link WakeSet}) while still spending the <em>task's</em> cooperative budget.
 *
 * <h2>Budget bridging</h2>
 * The budget lives in the task's context and {@code Context} offers no way to substitute the waker of an
 * existing context, so each child poll goes:
 * <ol>
 *   <li>copy the parent's {@link Context#remainingBudget()} into this context, with the child's waker;</li>
 *   <li>poll the child;</li>
 *   <li>charge what the child spent back to the parent, one {@link Context#consumeBudget()} per unit (at most
 *       {@link Context#DEFAULT_BUDGET} calls, each a field update);</li>
 *   <li>if the child ran out of budget (this context forced a yield, which has already woken the child's
 *       waker, so the child will be re-polled), take one more unit from the parent, which is empty by then:
 *       that wakes the task and counts the forced yield where the runtime's diagnostics look for it.</li>
 * </ol>
 * An unconstrained parent ({@code -1}) gives an unconstrained child. If {@code Context} ever gains a way to
 * poll with another waker ({@code Tokio}'s {@code Context::from_waker}), this class becomes one call.
 *
 * <p>Owned by one combinator and used only inside its {@code poll}, which is never concurrent.
 */
final class ChildContext extends Context {

    ChildContext() {
        super(Waker.noop());
    }

    /** Polls {@code child} with {@code childWaker} under the budget of {@code parent}; see the class comment. */
    <T> Poll<T> poll(Future<T> child, Waker childWaker, Context parent) {
        int before = parent.remainingBudget();
        long yieldsBefore = forcedYields();
        reset(childWaker, before);
        try {
            Poll<T> p = child.poll(this);
            if (p.isReady()) {
                parent.markProgress(); // a child finished: the combinator moved, whatever it returns
            }
            return p;
        } finally {
            // The child's diagnostic marks are the task's: hand them to the parent context through its public API.
            int flags = pollFlags();
            if ((flags & PROGRESS) != 0) {
                parent.markProgress();
            }
            if ((flags & DECLARED_YIELD) != 0) {
                parent.declareYield();
            }
            if ((flags & WAKER_TAKEN) != 0) {
                parent.waker(); // marks the task's waker as handed off: the child registered the waker that wakes it
            }
            Object waiting = waitingOnObject();
            if (waiting != null) {
                parent.waitingOn(waiting);
            }
            if (before != UNCONSTRAINED) {
                for (int spent = before - remainingBudget(); spent > 0; spent--) {
                    parent.consumeBudget();
                }
                if (forcedYields() != yieldsBefore) {
                    parent.consumeBudget(); // parent is at 0: wakes the task and records the forced yield
                }
            }
            reset(Waker.noop(), UNCONSTRAINED); // hold no task between polls
        }
    }
}
