package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.Poll;

/**
 * {@code Futures.join(a, b)}: waits for both, completes with {@link Futures.Both}.
 *
 * <h2>States</h2>
 * Each child is <i>running</i> (its field is non-null) or <i>finished</i> (field {@code null}, value kept).
 * <ul>
 *   <li><b>RUNNING</b> — at least one child running. A poll polls every running child, first then second,
 *       with the task's own context (so a woken child is always re-polled; for two children the occasional
 *       poll of a child that was not woken costs less than a per-child waker would). When the last child
 *       finishes → DONE, {@code Ready(Both(a, b))}.</li>
 *   <li>A child throws → the other child, if still running, is cancelled (once), then the exception
 *       propagates → DONE.</li>
 *   <li>{@code cancel()} in RUNNING cancels each running child exactly once → DONE.</li>
 *   <li><b>DONE</b> — polling throws {@link IllegalStateException}; {@code cancel()} is a no-op.</li>
 * </ul>
 */
public final class JoinFuture<A, B> implements Future<Futures.Both<A, B>>, dev.spindle.diagnostics.Described {
    private Future<A> first;
    private Future<B> second;
    private A firstValue;
    private B secondValue;
    private boolean done;

    public JoinFuture(Future<A> first, Future<B> second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public Poll<Futures.Both<A, B>> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("Futures.join() future polled after it completed");
        }
        Future<A> a = first;
        if (a != null) {
            Poll<A> p;
            try {
                p = a.poll(cx);
            } catch (Throwable t) {
                fail(second, t);
                throw t;
            }
            if (p.isReady()) {
                firstValue = p.value();
                first = null;
            }
        }
        Future<B> b = second;
        if (b != null) {
            Poll<B> p;
            try {
                p = b.poll(cx);
            } catch (Throwable t) {
                fail(first, t);
                throw t;
            }
            if (p.isReady()) {
                secondValue = p.value();
                second = null;
            }
        }
        if (first != null || second != null) {
            return Poll.pending();
        }
        done = true;
        Futures.Both<A, B> both = new Futures.Both<>(firstValue, secondValue);
        firstValue = null;
        secondValue = null;
        return Poll.ready(both);
    }

    /** A child threw {@code t}: DONE, and the other child, if still running, is cancelled. */
    private void fail(Future<?> other, Throwable t) {
        done = true;
        first = null;
        second = null;
        firstValue = null;
        secondValue = null;
        if (other != null) {
            Children.cancel(other, "Futures.join()", t);
        }
    }

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        done = true;
        Future<A> a = first;
        Future<B> b = second;
        first = null;
        second = null;
        firstValue = null;
        secondValue = null;
        if (a != null) {
            Children.cancel(a, "Futures.join()", null);
        }
        if (b != null) {
            Children.cancel(b, "Futures.join()", null);
        }
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return java.util.Arrays.asList(first, second);
    }
}
