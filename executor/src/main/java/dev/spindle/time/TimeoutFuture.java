package dev.spindle.time;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;

import java.time.Duration;

/**
 * {@link Time#timeout}: polls the inner future first (so a ready result wins over an expired deadline),
 * then the sleep. States: RUNNING → DONE (value, inner failure, or expiry). On expiry the inner future is
 * cancelled once; on completion of the inner future the timer is removed; {@code cancel()} cancels both.
 */
final class TimeoutFuture<T> implements Future<T>, dev.spindle.diagnostics.Described {
    private Future<T> inner;
    private Sleep sleep;
    private final Duration limit;

    TimeoutFuture(Future<T> inner, Sleep sleep, Duration limit) {
        this.inner = inner;
        this.sleep = sleep;
        this.limit = limit;
    }

    @Override
    public Poll<T> poll(Context cx) {
        if (inner == null) {
            throw new IllegalStateException("timeout() future polled after it completed");
        }
        Poll<T> p;
        try {
            p = inner.poll(cx);
        } catch (RuntimeException | Error e) {
            inner = null;
            sleep.cancel();
            sleep = null;
            throw e;
        }
        if (p.isReady()) {
            inner = null;
            sleep.cancel();
            sleep = null;
            return p;
        }
        if (sleep.poll(cx).isReady()) {
            Future<T> in = inner;
            inner = null;
            sleep = null;
            in.cancel();
            throw new DeadlineExceededException(limit);
        }
        return Poll.pending();
    }

    @Override
    public void cancel() {
        Future<T> in = inner;
        if (in == null) {
            return;
        }
        inner = null;
        sleep.cancel();
        sleep = null;
        in.cancel();
    }

    /** For type chains in diagnostics (racy read: see {@link dev.spindle.diagnostics.Described}). */
    @Override
    public java.util.List<?> children() {
        return java.util.Collections.singletonList(inner);
    }
}
