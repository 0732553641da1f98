package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@code Futures.joinAll(futures)}: waits for all N futures; completes with their values in input order.
 *
 * <h2>Which children a poll polls</h2>
 * Only those woken since the last poll (all of them on the first poll), each with its own waker, tracked by
 * a {@link WakeSet} — the approach of futures-rs' {@code JoinAll} over {@code FuturesUnordered}. Polling
 * every unfinished child on every poll would be simpler, but makes a join of N children that finish one by
 * one cost O(N²) polls; with the wake set a poll costs O(woken + N/64). The price is one small waker object
 * per child, allocated once, and a bridged budget ({@link ChildContext}).
 *
 * <h2>States</h2>
 * Child {@code i} is <i>running</i> while {@code children[i] != null}; when it completes its value goes to
 * {@code values[i]} and {@code children[i]} is cleared, so a late wake of it is ignored.
 * <ul>
 *   <li><b>RUNNING</b> — {@code remaining > 0}. A poll polls the woken running children in index order.
 *       When {@code remaining} reaches 0 → DONE, {@code Ready(values as an unmodifiable list)}.</li>
 *   <li>A child throws → every other running child is cancelled exactly once → DONE; the exception
 *       propagates.</li>
 *   <li>{@code cancel()} → every running child is cancelled exactly once → DONE.</li>
 *   <li><b>DONE</b> — {@code children == null}; polling throws {@link IllegalStateException};
 *       {@code cancel()} is a no-op.</li>
 * </ul>
 * An empty input completes on its first poll with an empty list.
 */
public final class JoinAllFuture<T> implements Future<List<T>>, dev.spindle.diagnostics.Described {
    private static final String NAME = "Futures.joinAll()";

    private Future<? extends T>[] children;
    private Object[] values;
    private int remaining;
    private final WakeSet wakes;

    public JoinAllFuture(Future<? extends T>[] children) {
        this.children = children;
        this.values = new Object[children.length];
        this.remaining = children.length;
        this.wakes = new WakeSet(children.length);
    }

    @Override
    public Poll<List<T>> poll(Context cx) {
        Future<? extends T>[] cs = children;
        if (cs == null) {
            throw new IllegalStateException(NAME + " future polled after it completed");
        }
        wakes.register(cx.waker());
        for (int i = wakes.nextWoken(); i >= 0; i = wakes.nextWoken()) {
            Future<? extends T> child = cs[i];
            if (child == null) {
                continue; // finished; a late wake
            }
            Poll<? extends T> p;
            try {
                p = wakes.poll(i, child, cx);
            } catch (Throwable t) {
                cs[i] = null;
                fail(cs, t);
                throw t;
            }
            if (p.isReady()) {
                values[i] = p.value();
                cs[i] = null;
                remaining--;
            }
        }
        if (remaining > 0) {
            return Poll.pending();
        }
        children = null;
        wakes.clear();
        @SuppressWarnings("unchecked") // values[i] came from a Future<? extends T>
        List<T> result = (List<T>) Collections.unmodifiableList(Arrays.asList(values)); // allows null values
        values = null;
        return Poll.ready(result);
    }

    /** DONE after a failure: cancels every running child, attaching cancel failures to {@code t}. */
    private void fail(Future<? extends T>[] cs, Throwable t) {
        children = null;
        values = null;
        wakes.clear();
        for (Future<? extends T> c : cs) {
            if (c != null) {
                Children.cancel(c, NAME, t);
            }
        }
    }

    @Override
    public void cancel() {
        Future<? extends T>[] cs = children;
        if (cs == null) {
            return;
        }
        children = null;
        values = null;
        wakes.clear();
        for (Future<? extends T> c : cs) {
            if (c != null) {
                Children.cancel(c, NAME, null);
            }
        }
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return children == null ? java.util.List.of() : java.util.Arrays.asList(children.clone());
    }
}
