package dev.spindle.testkit;

import dev.spindle.Context;
import dev.spindle.Waker;

/** A {@link Context} for polling by hand, with an optional cooperative budget refilled before each poll. */
public final class TestContext extends Context {
    private int budgetPerPoll = UNCONSTRAINED;

    /** A context with {@code waker} and no budget limit. */
    public TestContext(Waker waker) {
        super(waker);
    }

    /** Sets the budget each {@link #refill()} restores ({@code -1}: unconstrained). */
    public void budget(int perPoll) {
        this.budgetPerPoll = perPoll;
        refill();
    }

    /** Restores the budget, as a worker does before each poll. */
    public void refill() {
        reset(waker(), budgetPerPoll);
    }

    /** Forced yields counted so far. */
    public long yields() {
        return forcedYields();
    }
}
