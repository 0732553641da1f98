package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

/**
 * {@code Futures.pending()}: never completes. One state, <b>PENDING</b>; every poll returns {@code Pending}.
 *
 * <p>It registers its waker nowhere, since nothing will ever wake it; but it takes it ({@code cx.waker()}), declaring
 * that waiting forever is intended, so the lost-wakeup detector does not report it.
 * It is stateless, so one shared instance serves every type; {@code cancel()} is a no-op.
 */
public final class PendingFuture<T> implements Future<T> {
    private static final PendingFuture<Object> INSTANCE = new PendingFuture<>();

    private PendingFuture() {
    }

    /** The shared instance. */
    @SuppressWarnings("unchecked")
    public static <T> PendingFuture<T> instance() {
        return (PendingFuture<T>) INSTANCE;
    }

    @Override
    public Poll<T> poll(Context cx) {
        cx.waker(); // waiting forever on purpose: not a lost wakeup
        cx.waitingOn(this);
        return Poll.pending();
    }

    @Override
    public String toString() {
        return "Futures.pending()";
    }
}
