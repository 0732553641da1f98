package dev.spindle.testkit;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Small hand-written futures for runtime tests: a gate opened by hand, a worker blocker, a yielding future. */
public final class TestFutures {
    private TestFutures() {
    }

    /**
     * Pending until {@link #complete} is called from any thread; counts polls and release-hook calls, and
     * keeps the latest waker so tests can wake it by hand.
     */
    public static final class Gate<T> implements Future<T> {
        public final AtomicInteger polls = new AtomicInteger();
        public final AtomicInteger cancels = new AtomicInteger();
        public final AtomicReference<Waker> waker = new AtomicReference<>();
        private final AtomicReference<Object> value = new AtomicReference<>();
        private static final Object NONE = new Object();

        /** A closed gate: pending until {@link #complete}. */
        public Gate() {
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

        /** Opens the gate with {@code v} and wakes the latest waker. */
        public void complete(T v) {
            value.set(v);
            Waker w = waker.get();
            if (w != null) {
                w.wake();
            }
        }

        /** Wakes the latest waker without opening the gate (a spurious wake). */
        public void wakeWithoutProgress() {
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
    public static final class Blocker implements Future<Void> {
        /** Counted down when the first poll starts. */
        public final CountDownLatch entered = new CountDownLatch(1);
        /** Counted down by the test to let the poll return. */
        public final CountDownLatch release = new CountDownLatch(1);
        public final AtomicInteger cancels = new AtomicInteger();

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
    public static Future<Integer> yielding(int n) {
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
