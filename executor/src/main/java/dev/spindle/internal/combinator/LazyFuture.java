package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.function.Supplier;

/**
 * {@code Futures.lazy(supplier)}: runs the supplier on the first poll, never before.
 *
 * <p>States: <b>UNPOLLED</b> ({@code supplier != null}) → first poll: {@code Ready(supplier.get())}, or the
 * supplier's exception propagates → <b>DONE</b> ({@code supplier == null}). Polling in DONE throws;
 * {@code cancel()} drops the supplier without running it.
 */
public final class LazyFuture<T> implements Future<T>, dev.spindle.internal.diagnostics.SpawnSites.SiteKeyed {
    private Supplier<? extends T> supplier;

    public LazyFuture(Supplier<? extends T> supplier) {
        this.supplier = supplier;
    }

    @Override
    public Poll<T> poll(Context cx) {
        Supplier<? extends T> s = supplier;
        if (s == null) {
            throw new IllegalStateException("Futures.lazy() future polled after it completed");
        }
        supplier = null; // DONE whether get() returns or throws
        return Poll.ready(s.get());
    }

    @Override
    public void cancel() {
        supplier = null;
    }

    /** The spawn-site cache keys on the lambda, not on this wrapper (see {@code SpawnSites}). */
    @Override
    public Class<?> siteKey() {
        Object f = supplier;
        return f == null ? getClass() : f.getClass();
    }
}
