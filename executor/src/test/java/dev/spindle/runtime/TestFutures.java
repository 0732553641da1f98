package dev.spindle.runtime;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Small hand-written futures for runtime tests. */
final class TestFutures {
    private TestFutures() {
    }

    /**
     * Pending until {@link #complete} is called from any thread; counts polls and release-hook calls, and
     * keeps the latest waker so tests can wake it by hand.
     */
    static final class Gate<T> implements Future<T> {
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final AtomicReference<Waker> waker = new AtomicReference<>();
        private final AtomicReference<Object> value = new AtomicReference<>();
        private static final Object NONE = new Object();

        Gate() {
            value.set(NONE);
        }

        @Override
        public Poll<T> poll(Context cx) {
            polls.incrementAndGet();
            waker.set(cx.waker());
            Object v = value.get();
            if (v != NONE) {
                @SuppressWarnings("unchecked") T t = (T) v;
                return Poll.ready(t);
            }
            return Poll.pending();
        }

        void complete(T v) {
            value.set(v);
            Waker w = waker.get();
            if (w != null) {
                w.wake();
            }
        }

        void wakeWithoutProgress() {
            Waker w = waker.get();
            if (w != null) {
                w.wake();
            }
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    /** A future whose first poll blocks the worker until released (to hold a worker busy in tests). */
    static final class Blocker implements Future<Void> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger cancels = new AtomicInteger();

        @Override
        public Poll<Void> poll(Context cx) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Poll.readyNull();
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    /** Yields {@code n} times (self-wake + Pending), then completes with the number of polls. */
    static Future<Integer> yielding(int n) {
        int[] polls = {0};
        return cx -> {
            polls[0]++;
            if (polls[0] > n) {
                return Poll.ready(polls[0]);
            }
            cx.waker().wake();
            return Poll.pending();
        };
    }
}
