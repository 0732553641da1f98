package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Selected;

/**
 * {@code Futures.select(a, b)}: the first of two futures to complete wins; the other is cancelled.
 *
 * <h2>States</h2>
 * <ul>
 *   <li><b>RUNNING</b> — both children running. A poll polls {@code first}, then {@code second}, with the
 *       task's own context. The order is <em>biased</em>: when both are ready in the same poll, {@code first}
 *       wins, and a {@code first} that is always ready starves {@code second}. (Tokio's {@code select!}
 *       picks a random start by default; put the branch that must not be starved first, or use
 *       {@code race} over fair inputs.)
 *       <ul>
 *         <li>a child is ready → the other is cancelled exactly once → DONE, {@code Ready(First|Second)};</li>
 *         <li>a child throws → the other is cancelled exactly once → DONE, the exception propagates;</li>
 *         <li>{@code cancel()} → both are cancelled exactly once → DONE.</li>
 *       </ul></li>
 *   <li><b>DONE</b> — both fields {@code null}; polling throws {@link IllegalStateException};
 *       {@code cancel()} is a no-op. The winner is never cancelled.</li>
 * </ul>
 */
public final class SelectFuture<A, B> implements Future<Selected<A, B>>, dev.spindle.diagnostics.Described {
    private static final String NAME = "Futures.select()";

    private Future<A> first;
    private Future<B> second;

    public SelectFuture(Future<A> first, Future<B> second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public Poll<Selected<A, B>> poll(Context cx) {
        Future<A> a = first;
        Future<B> b = second;
        if (a == null) {
            throw new IllegalStateException(NAME + " future polled after it completed");
        }
        Poll<A> pa;
        try {
            pa = a.poll(cx);
        } catch (Throwable t) {
            finish(b, t);
            throw t;
        }
        if (pa.isReady()) {
            finish(b, null);
            return Poll.ready(new Selected.First<>(pa.value()));
        }
        Poll<B> pb;
        try {
            pb = b.poll(cx);
        } catch (Throwable t) {
            finish(a, t);
            throw t;
        }
        if (pb.isReady()) {
            finish(a, null);
            return Poll.ready(new Selected.Second<>(pb.value()));
        }
        return Poll.pending();
    }

    /** DONE; {@code loser} is cancelled (a cancel failure is attached to {@code failure} if there is one). */
    private void finish(Future<?> loser, Throwable failure) {
        first = null;
        second = null;
        Children.cancel(loser, NAME, failure);
    }

    @Override
    public void cancel() {
        Future<A> a = first;
        Future<B> b = second;
        if (a == null) {
            return;
        }
        first = null;
        second = null;
        Children.cancel(a, NAME, null);
        Children.cancel(b, NAME, null);
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return java.util.Arrays.asList(first, second);
    }
}
