package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.function.Function;

/**
 * {@code Futures.pollFn(fn)}: each poll calls {@code fn(cx)}. The function carries the poll contract: when it
 * returns {@code Pending} it must have registered {@code cx.waker()}.
 *
 * <p>States: <b>POLLING</b> ({@code fn != null}) → {@code fn} returns {@code Ready} or throws → <b>DONE</b>
 * ({@code fn == null}). Polling in DONE throws; {@code cancel()} drops {@code fn}. A {@code null} result
 * from {@code fn} is a bug in {@code fn} and fails the future with a {@link NullPointerException}.
 */
public final class PollFnFuture<T> implements Future<T>, dev.spindle.internal.diagnostics.SpawnSites.SiteKeyed {
    private Function<? super Context, ? extends Poll<T>> fn;

    public PollFnFuture(Function<? super Context, ? extends Poll<T>> fn) {
        this.fn = fn;
    }

    @Override
    public Poll<T> poll(Context cx) {
        Function<? super Context, ? extends Poll<T>> f = fn;
        if (f == null) {
            throw new IllegalStateException("Futures.pollFn() future polled after it completed");
        }
        Poll<T> p;
        try {
            p = f.apply(cx);
        } catch (Throwable t) {
            fn = null;
            throw t;
        }
        if (p == null) {
            fn = null;
            throw new NullPointerException("Futures.pollFn(): the poll function returned null; return Poll.pending() or Poll.ready(..)");
        }
        if (p.isReady()) {
            fn = null;
        }
        return p;
    }

    @Override
    public void cancel() {
        fn = null;
    }

    /** The spawn-site cache keys on the lambda, not on this wrapper (see {@code SpawnSites}). */
    @Override
    public Class<?> siteKey() {
        Object f = fn;
        return f == null ? getClass() : f.getClass();
    }
}
