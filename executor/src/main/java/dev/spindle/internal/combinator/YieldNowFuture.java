package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

/**
 * {@code Futures.yieldNow()}: gives the worker back once, then completes.
 *
 * <p>States: <b>UNPOLLED</b> → first poll: wakes {@code cx.waker()} and returns {@code Pending} →
 * <b>YIELDED</b> → second poll: {@code Ready(null)} → <b>DONE</b>. The self-wake is real progress (the
 * next poll completes), which is what separates a yield from a busy loop. Polling in DONE throws;
 * {@code cancel()} holds nothing to release.
 */
public final class YieldNowFuture implements Future<Void> {
    private static final int UNPOLLED = 0;
    private static final int YIELDED = 1;
    private static final int DONE = 2;

    private int state = UNPOLLED;

    @Override
    public Poll<Void> poll(Context cx) {
        switch (state) {
            case UNPOLLED -> {
                state = YIELDED;
                cx.declareYield(); // a deliberate yield, never a busy loop
                cx.waker().wake();
                return Poll.pending();
            }
            case YIELDED -> {
                state = DONE;
                return Poll.readyNull();
            }
            default -> throw new IllegalStateException("Futures.yieldNow() future polled after it completed");
        }
    }

    @Override
    public void cancel() {
        state = DONE;
    }
}
