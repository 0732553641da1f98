package dev.spindle.runtime;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.RuntimeClosedException;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.Waker;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Bounded stress of {@code close()} racing tasks at every stage of their life (see "Shutdown" in
 * {@code Scheduler} and "Lazy registration" in {@code Task}): tasks ready on their first poll (never registered),
 * tasks pending on their first poll and then woken from another thread (registered, then deregistered), tasks that
 * never become ready (only close can end them), tasks still queued, never polled, behind slow polls, and tasks
 * spawned from inside tasks and from outside while close runs. Checks: every handle the runtime accepted
 * completes; each cancelled task's release hook ran exactly once, each completed one's never; no task is polled
 * after its release hook, nor by two threads at once; close() returns within a bound; nothing is left live.
 */
@Tag("stress")
@Timeout(value = 300, unit = SECONDS)
class ShutdownRaceStressTest {
    private static final int TASKS = 3_000;
    private static final long CLOSE_BOUND_SECONDS = 30;
    private static final int REPETITIONS = 20;
    /** Across all rounds: at least one task must have been cancelled before its first poll (the path is exercised). */
    private static final AtomicInteger CANCELLED_UNPOLLED = new AtomicInteger();
    private static final AtomicInteger ROUNDS = new AtomicInteger();

    private enum Kind { READY, WOKEN, NEVER, SLOW, SPAWNER }

    /** What one task did; its future records violations instead of throwing them (a throw would fail the task). */
    private static final class Probe implements Future<Integer> {
        final Kind kind;
        final Round round;
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final AtomicInteger inPoll = new AtomicInteger();
        volatile boolean woken;
        volatile Waker waker;
        volatile String violation;

        Probe(Kind kind, Round round) {
            this.kind = kind;
            this.round = round;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            if (inPoll.incrementAndGet() != 1) {
                violation = "two polls at once";
            }
            if (cancels.get() != 0) {
                violation = "polled after its release hook ran";
            }
            int n = polls.incrementAndGet();
            try {
                switch (kind) {
                    case READY -> {
                        return Poll.ready(n);
                    }
                    case SLOW -> {
                        long until = System.nanoTime() + 20_000; // keeps the queues behind it full
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        return Poll.ready(n);
                    }
                    case WOKEN -> {
                        if (woken) {
                            return Poll.ready(n);
                        }
                        if (n == 1) {
                            waker = cx.waker();
                            round.toWake.add(this); // a foreign thread sets woken, then wakes us
                        }
                        return Poll.pending();
                    }
                    case NEVER -> {
                        return Poll.pending();
                    }
                    case SPAWNER -> {
                        // Spawns from inside a task: the worker's local path, racing close like the others.
                        for (int i = 0; i < 4; i++) {
                            round.spawn(SpindleRuntime.current(), ThreadLocalRandom.current().nextBoolean() ? Kind.READY
                                    : Kind.NEVER);
                        }
                        return Poll.ready(n);
                    }
                    default -> throw new AssertionError(kind);
                }
            } finally {
                inPoll.decrementAndGet();
            }
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    private record Spawned(Probe probe, JoinHandle<Integer> handle) {
    }

    private static final class Round {
        final ConcurrentLinkedQueue<Spawned> spawned = new ConcurrentLinkedQueue<>();
        final LinkedBlockingQueue<Probe> toWake = new LinkedBlockingQueue<>();
        final AtomicInteger refused = new AtomicInteger();

        void spawn(SpindleRuntime rt, Kind kind) {
            Probe p = new Probe(kind, this);
            try {
                spawned.add(new Spawned(p, rt.spawn(p)));
            } catch (RuntimeClosedException e) {
                refused.incrementAndGet();
            }
        }
    }

    private static Kind randomKind() {
        int r = ThreadLocalRandom.current().nextInt(100);
        return r < 35 ? Kind.READY : r < 60 ? Kind.WOKEN : r < 75 ? Kind.NEVER : r < 95 ? Kind.SLOW : Kind.SPAWNER;
    }

    @RepeatedTest(REPETITIONS)
    void closeRacingTasksAtEveryStageCancelsEachExactlyOnce() throws Exception {
        int round = ROUNDS.incrementAndGet();
        Round r = new Round();
        SpindleRuntime rt = SpindleRuntime.builder().workers(1 + round % 3).localQueueCapacity(64).build();
        int closeAfter = ThreadLocalRandom.current().nextInt(TASKS / 10, TASKS);
        CountDownLatch closeNow = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();

        Thread spawner = Thread.ofPlatform().start(() -> {
            // Past closeAfter, go on spawning until close refuses a spawn: those spawns race close.
            for (int i = 0; i < TASKS || r.refused.get() == 0; i++) {
                if (i == closeAfter) {
                    closeNow.countDown();
                }
                r.spawn(rt, randomKind());
            }
            closeNow.countDown();
        });
        Thread waker = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                Probe p;
                try {
                    p = r.toWake.poll(1, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (p != null) {
                    p.woken = true;
                    p.waker.wake(); // may race close: the task completes, or is cancelled, exactly once
                }
            }
        });
        long[] closeNanos = {-1};
        Thread closer = Thread.ofPlatform().start(() -> {
            try {
                closeNow.await();
            } catch (InterruptedException e) {
                return;
            }
            long t0 = System.nanoTime();
            rt.close();
            closeNanos[0] = System.nanoTime() - t0;
        });

        closer.join(TimeUnit.SECONDS.toMillis(CLOSE_BOUND_SECONDS));
        if (closer.isAlive()) {
            fail("close() did not return within %d s: %s", CLOSE_BOUND_SECONDS, rt.metrics().describe());
        }
        spawner.join();
        stop.set(true);
        waker.join();

        int cancelled = 0;
        int completed = 0;
        int cancelledUnpolled = 0;
        for (Spawned s : r.spawned) {
            Probe p = s.probe();
            JoinHandle<Integer> h = s.handle();
            assertThat(h.isDone()).as("a %s task's handle completes by the time close() returns: %s", p.kind, h).isTrue();
            assertThat(p.violation).as("%s task %s", p.kind, h).isNull();
            if (h.isCancelled()) {
                cancelled++;
                assertThat(p.cancels).as("release hook of a cancelled %s task, %s", p.kind, h).hasValue(1);
                if (p.polls.get() == 0) {
                    cancelledUnpolled++;
                } else {
                    assertThat(p.kind).as("only a task that was pending can be cancelled after a poll")
                            .isIn(Kind.WOKEN, Kind.NEVER);
                }
            } else {
                completed++;
                assertThat(p.cancels).as("release hook of a completed %s task", p.kind).hasValue(0);
                try {
                    assertThat(h.join()).as("value of a %s task", p.kind).isEqualTo(p.polls.get());
                } catch (TaskCancelledException e) {
                    throw new AssertionError("not cancelled, yet join() says cancelled", e);
                }
                assertThat(p.kind).isNotEqualTo(Kind.NEVER);
            }
        }
        assertThat(cancelled + completed).isEqualTo(r.spawned.size());
        var m = rt.metrics();
        assertThat(m.alive()).as("nothing live after close: %s", m.describe()).isZero();
        assertThat(m.spawned()).as("every accepted spawn counted once, refused ones not").isEqualTo(r.spawned.size());
        assertThat(m.completed()).isEqualTo(r.spawned.size());
        assertThat(rt.isTerminated()).isTrue();
        CANCELLED_UNPOLLED.addAndGet(cancelledUnpolled);
        System.out.printf("round %d: %d workers, close after %d spawns took %.1f ms; %d tasks: %d completed, %d "
                        + "cancelled (%d never polled), %d spawns refused%n", round, rt.workers(), closeAfter,
                closeNanos[0] / 1e6, r.spawned.size(), completed, cancelled, cancelledUnpolled, r.refused.get());
        if (round == REPETITIONS) {
            assertThat(CANCELLED_UNPOLLED.get()).as("tasks cancelled while still queued, never polled, in all rounds")
                    .isPositive();
        }
    }
}
