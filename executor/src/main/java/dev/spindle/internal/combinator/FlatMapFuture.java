package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.Objects;
import java.util.function.Function;

/**
 * {@link Future#flatMap}: two states. First polls {@code first}; when it is ready, builds the second future
 * and polls it in the same call (so no wake is needed between the two).
 */
public final class FlatMapFuture<T, U> implements Future<U> {
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
        if (second == null) {
            Poll<T> p = first.poll(cx);
            if (p.isPending()) {
                return Poll.pending();
            }
            Function<? super T, ? extends Future<U>> f = fn;
            first = null;
            fn = null;
            second = Objects.requireNonNull(f.apply(p.value()), "flatMap function returned null");
        }
        Poll<U> p = second.poll(cx);
        if (p.isReady()) {
            second = null;
            done = true;
        }
        return p;
    }

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        done = true;
        Future<?> f = second != null ? second : first;
        first = null;
        second = null;
        fn = null;
        if (f != null) {
            f.cancel();
        }
    }
}
