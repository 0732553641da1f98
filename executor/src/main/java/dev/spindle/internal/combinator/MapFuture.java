package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.function.Function;

/**
 * {@link Future#map}: polls the inner future and applies the function once, to its value.
 *
 * <p>States: <b>RUNNING</b> ({@code inner != null}) → inner ready: {@code Ready(fn(value))}, or the inner
 * future or {@code fn} throws → <b>DONE</b> ({@code inner == null}). Polling in DONE throws;
 * {@code cancel()} in RUNNING cancels the inner future once; in DONE it is a no-op.
 */
public final class MapFuture<T, U> implements Future<U>, dev.spindle.diagnostics.Described, dev.spindle.internal.diagnostics.SpawnSites.SiteKeyed {
    private Future<T> inner;
    private Function<? super T, ? extends U> fn;

    public MapFuture(Future<T> inner, Function<? super T, ? extends U> fn) {
        this.inner = inner;
        this.fn = fn;
    }

    @Override
    public Poll<U> poll(Context cx) {
        Future<T> in = inner;
        if (in == null) {
            throw new IllegalStateException("map() future polled after it completed");
        }
        Poll<T> p;
        try {
            p = in.poll(cx);
        } catch (Throwable t) {
            inner = null; // the inner future failed: it is finished, never to be cancelled
            fn = null;
            throw t;
        }
        if (p.isPending()) {
            return Poll.pending();
        }
        Function<? super T, ? extends U> f = fn;
        inner = null;
        fn = null;
        return Poll.ready(f.apply(p.value()));
    }

    @Override
    public void cancel() {
        Future<T> in = inner;
        inner = null;
        fn = null;
        if (in != null) {
            in.cancel();
        }
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return java.util.Collections.singletonList(inner);
    }

    /** The spawn-site cache keys on the lambda, not on this wrapper (see {@code SpawnSites}). */
    @Override
    public Class<?> siteKey() {
        Object f = fn;
        return f == null ? getClass() : f.getClass();
    }
}
