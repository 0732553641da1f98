package dev.spindle.testkit;

import dev.spindle.Waker;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A waker that counts its wakes, for polling futures by hand in tests. Thread-safe: the count is an atomic
 * (wakes may come from any thread), read with volatile semantics.
 */
public final class RecordingWaker implements Waker {
    private final AtomicInteger wakes = new AtomicInteger();

    @Override
    public void wake() {
        wakes.incrementAndGet();
    }

    /** Wakes since creation or the last {@link #reset()}. */
    public int wakeCount() {
        return wakes.get();
    }

    /** Whether {@link #wake()} was called since creation or the last {@link #reset()}. */
    public boolean isWoken() {
        return wakes.get() > 0;
    }

    /** Sets the count back to zero and returns what it was. */
    public int reset() {
        return wakes.getAndSet(0);
    }

    @Override
    public String toString() {
        return "RecordingWaker[wakes=" + wakes.get() + "]";
    }
}
