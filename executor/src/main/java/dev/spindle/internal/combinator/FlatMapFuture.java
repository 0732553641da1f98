package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.Objects;
import java.util.function.Function;

/**
 * {@link Future#flatMap}. States:
 * <ul>
 *   <li><b>FIRST</b> ({@code first != null}) — polls {@code first}; when it is ready, builds the second future
 *       with {@code fn} and polls it in the same call (so no wake is needed between the two) → SECOND.</li>
 *   <li><b>SECOND</b> ({@code second != null}) — polls {@code second}; ready → DONE.</li>
 *   <li>A throw from {@code first}, {@code fn} or {@code second} (or {@code fn} returning {@code null}) → DONE;
 *       the future that threw is finished and is not cancelled.</li>
 *   <li>{@code cancel()} in FIRST or SECOND cancels the current future once → DONE.</li>
 *   <li><b>DONE</b> — polling throws {@link IllegalStateException}; {@code cancel()} is a no-op.</li>
 * </ul>
 */
public final class FlatMapFuture<T, U> implements Future<U>, dev.spindle.diagnostics.Described {
    private Future<T> first;
    private Function<? super T, ? extends Future<U>> fn;
    private Future<U> second;
    private boolean done;

    public FlatMapFuture(Future<T> first, Function<? super T, ? extends Future<U>> fn) {
        this.first = first;
        this.fn = fn;
    }

    @Override
    public Poll<U> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("flatMap() future polled after it completed");
        }
        try {
            if (second == null) {
                Poll<T> p = first.poll(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                cx.markProgress(); // the first stage finished
                Function<? super T, ? extends Future<U>> f = fn;
                first = null;
                fn = null;
                second = Objects.requireNonNull(f.apply(p.value()), "flatMap function returned null");
            }
            Poll<U> p = second.poll(cx);
            if (p.isReady()) {
                finish();
            }
            return p;
        } catch (Throwable t) {
            finish();
            throw t;
        }
    }

    private void finish() {
        done = true;
        first = null;
        fn = null;
        second = null;
    }

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        Future<?> f = second != null ? second : first;
        finish();
        if (f != null) {
            f.cancel();
        }
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return java.util.Collections.singletonList(second != null ? second : first);
    }
}
