package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

/**
 * {@code Futures.race(futures)}: the first of N futures to complete wins; all others are cancelled.
 *
 * <h2>States</h2>
 * <ul>
 *   <li><b>RUNNING</b> — {@code children != null}; every child is running. A poll polls only the children
 *       woken since the last poll ({@link WakeSet}; all of them on the first poll), in index order, each
 *       with its own waker. The order is <em>biased</em> towards lower indices among children woken
 *       together, but a child that is always ready cannot starve one with a lower index, and every woken
 *       child is polled before the combinator returns {@code Pending}.
 *       <ul>
 *         <li>child {@code i} is ready → every other child is cancelled exactly once → DONE,
 *             {@code Ready(value)}; children after {@code i} in this poll are not polled;</li>
 *         <li>child {@code i} throws → every other child is cancelled exactly once → DONE, the exception
 *             propagates;</li>
 *         <li>{@code cancel()} → every child is cancelled exactly once → DONE.</li>
 *       </ul></li>
 *   <li><b>DONE</b> — {@code children == null}; polling throws {@link IllegalStateException};
 *       {@code cancel()} is a no-op.</li>
 * </ul>
 * At least one child is required (a race of none would never finish); {@code Futures.race} checks that.
 */
public final class RaceFuture<T> implements Future<T>, dev.spindle.diagnostics.Described {
    private static final String NAME = "Futures.race()";

    private Future<? extends T>[] children;
    private final WakeSet wakes;

    public RaceFuture(Future<? extends T>[] children) {
        this.children = children;
        this.wakes = new WakeSet(children.length);
    }

    @Override
    public Poll<T> poll(Context cx) {
        Future<? extends T>[] cs = children;
        if (cs == null) {
            throw new IllegalStateException(NAME + " future polled after it completed");
        }
        wakes.register(cx.waker());
        for (int i = wakes.nextWoken(); i >= 0; i = wakes.nextWoken()) {
            Poll<? extends T> p;
            try {
                p = wakes.poll(i, cs[i], cx);
            } catch (Throwable t) {
                finish(cs, i, t);
                throw t;
            }
            if (p.isReady()) {
                finish(cs, i, null);
                @SuppressWarnings("unchecked") // Poll is immutable, so Poll<? extends T> is a Poll<T>
                Poll<T> ready = (Poll<T>) p;
                return ready;
            }
        }
        return Poll.pending();
    }

    /** DONE: cancels every child but {@code winner} (which completed or threw {@code failure}). */
    private void finish(Future<? extends T>[] cs, int winner, Throwable failure) {
        children = null;
        wakes.clear();
        for (int i = 0; i < cs.length; i++) {
            if (i != winner) {
                Children.cancel(cs[i], NAME, failure);
            }
        }
    }

    @Override
    public void cancel() {
        Future<? extends T>[] cs = children;
        if (cs == null) {
            return;
        }
        finish(cs, -1, null);
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return children == null ? java.util.List.of() : java.util.Arrays.asList(children.clone());
    }
}
