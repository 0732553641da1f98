package dev.spindle.internal.combinator;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

/**
 * {@code Futures.ready(value)}. States: <b>UNPOLLED</b> → (first poll: {@code Ready(value)}) → <b>DONE</b>.
 * Polling in DONE throws; {@code cancel()} drops the value and is otherwise a no-op.
 */
public final class ReadyFuture<T> implements Future<T> {
    private T value;
    private boolean done;

    public ReadyFuture(T value) {
        this.value = value;
    }

    @Override
    public Poll<T> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("Futures.ready() future polled after it completed");
        }
        done = true;
        T v = value;
        value = null;
        return v == null ? Poll.readyNull() : Poll.ready(v);
    }

    @Override
    public void cancel() {
        done = true;
        value = null;
    }
}
