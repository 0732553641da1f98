package dev.spindle.faults;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.Waker;
import dev.spindle.spi.EventDriver;
import dev.spindle.time.Time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault-injection tier's shared parts: an event driver that fails on demand, a waker that throws, a future
 * that waits forever and counts its release hook, and the check every fault test ends with — the runtime still
 * serves work from outside and still drains on close.
 */
final class FaultTier {
    private FaultTier() {
    }

    /** What every injected failure throws, so tests can tell it from a real one. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(String message) {
            super(message);
        }
    }

    /**
     * An {@link EventDriver} with no events that keeps the contract (blocks until {@link #wakeup()} or the
     * timeout; a wakeup before a poll makes that poll return at once) and throws on demand: the next {@code n}
     * blocking polls, the next {@code n} non-blocking polls, or every poll from now on.
     */
    static final class ScriptedDriver implements EventDriver {
        final AtomicInteger failBlocking = new AtomicInteger();
        final AtomicInteger failNonBlocking = new AtomicInteger();
        volatile boolean failAlways;
        final AtomicLong polls = new AtomicLong();
        final AtomicLong thrown = new AtomicLong();
        volatile boolean closed;
        private final Semaphore wakeups = new Semaphore(0);

        @Override
        public void poll(long timeoutNanos) {
            polls.incrementAndGet();
            AtomicInteger budget = timeoutNanos == 0 ? failNonBlocking : failBlocking;
            if (failAlways || budget.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                thrown.incrementAndGet();
                throw new InjectedFault("injected failure of the event driver's poll(" + timeoutNanos + ")");
            }
            if (timeoutNanos != 0) {
                try {
                    if (timeoutNanos < 0) {
                        wakeups.acquire();
                    } else {
                        wakeups.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            wakeups.drainPermits(); // one wakeup stands for "return promptly", not for a count of returns
        }

        @Override
        public void wakeup() {
            if (wakeups.availablePermits() == 0) {
                wakeups.release();
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A waker that throws every time it is woken, and counts the attempts. */
    static final class ThrowingWaker implements Waker {
        final AtomicInteger wakes = new AtomicInteger();

        @Override
        public void wake() {
            wakes.incrementAndGet();
            throw new InjectedFault("injected failure of a waker");
        }
    }

    /** Pending until its runtime closes; counts polls and release-hook calls. */
    static class Forever implements Future<Void> {
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();

        @Override
        public Poll<Void> poll(Context cx) {
            polls.incrementAndGet();
            return Poll.pending(); // deliberately never woken: only cancellation ends it
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    static SpindleRuntime runtime(int workers, String prefix, EventDriver driver) {
        SpindleRuntime.Builder b = SpindleRuntime.builder().workers(workers).threadNamePrefix(prefix);
        if (driver != null) {
            b.eventDriver(driver);
        }
        return b.build();
    }

    /**
     * The check after each fault: 1,000 tasks spawned from this (outside) thread — a third yield once, a third
     * sleep a millisecond, a third are ready at once — all complete within 10 s.
     */
    static void assertStillServes(SpindleRuntime rt) throws Exception {
        List<JoinHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            Future<Integer> f = switch (i % 3) {
                case 0 -> Futures.yieldNow().map(v -> n);
                case 1 -> Time.sleep(Duration.ofMillis(1)).map(v -> n);
                default -> Futures.ready(n);
            };
            handles.add(rt.spawn(f));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long sum = 0;
        for (JoinHandle<Integer> h : handles) {
            sum += h.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        assertThat(sum).isEqualTo(999L * 1_000 / 2);
    }

    /**
     * The closing check: a task waiting forever is cancelled by close(), its release hook runs exactly once and
     * its handle completes; close() returns within 10 s.
     */
    static void assertClosesAndDrains(SpindleRuntime rt) throws Exception {
        Forever forever = new Forever();
        JoinHandle<Void> h = rt.spawn(forever);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (forever.polls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread closer = Thread.ofPlatform().start(rt::close);
        closer.join(10_000);
        assertThat(closer.isAlive()).as("close() returned within 10 s").isFalse();
        assertThat(forever.cancels.get()).as("release hook runs").isEqualTo(1);
        assertThat(h.isDone()).isTrue();
        assertThat(rt.isTerminated()).isTrue();
    }
}
