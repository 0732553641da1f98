package dev.spindle.diagnostics;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Futures written the way a user would write them, some of them broken on purpose. */
final class UserFutures {
    private UserFutures() {
    }

    /** Wakes its own task and returns Pending, forever, moving nothing: the incident's signature. */
    static final class SpinningReader implements Future<Void> {
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();

        @Override
        public Poll<Void> poll(Context cx) {
            polls.incrementAndGet();
            cx.waker().wake();
            return Poll.pending();
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    /** A user future that drives another and describes it, so the type chain reads {@code Pump<SpinningReader>}. */
    static final class Pump<T> implements Future<T>, Described {
        private final Future<T> inner;

        Pump(Future<T> inner) {
            this.inner = inner;
        }

        @Override
        public Poll<T> poll(Context cx) {
            return inner.poll(cx);
        }

        @Override
        public void cancel() {
            inner.cancel();
        }

        @Override
        public List<?> children() {
            return List.of(inner);
        }
    }

    /** Returns Pending without handing its waker to anything: a lost wakeup. */
    static final class ForgetfulFuture implements Future<Void> {
        @Override
        public Poll<Void> poll(Context cx) {
            return Poll.pending();
        }
    }

    /** Takes its waker and keeps it, as a socket registration would, and waits for a wake that never comes. */
    static final class SilentSocket implements Future<Void> {
        volatile Waker registered;

        @Override
        public Poll<Void> poll(Context cx) {
            registered = cx.waker();
            cx.waitingOn("simulated socket 127.0.0.1:9 -> 127.0.0.1:40000: readable");
            return Poll.pending();
        }
    }

    /** Blocks its worker inside poll: a slow poll. */
    static final class SleepyFuture implements Future<String> {
        private final long millis;

        SleepyFuture(long millis) {
            this.millis = millis;
        }

        @Override
        public Poll<String> poll(Context cx) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Poll.ready("slept");
        }
    }
}
