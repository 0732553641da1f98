package dev.spindle.runtime;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded stress: many threads spawning, waking, stealing and aborting at once. Every check is about
 * exactly-once and nothing-lost; none about speed.
 */
@Tag("stress")
@Timeout(value = 120, unit = SECONDS)
class RuntimeStressTest {

    /** A task that needs {@code wakesNeeded} external wakes, each from a random foreign thread. */
    static final class Countdown implements Future<Integer> {
        final AtomicReference<dev.spindle.Waker> waker = new AtomicReference<>();
        final AtomicInteger remaining;
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        volatile boolean concurrentPollSeen;
        final AtomicInteger cancels = new AtomicInteger();

        Countdown(int wakesNeeded) {
            remaining = new AtomicInteger(wakesNeeded);
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            if (running.incrementAndGet() != 1) {
                concurrentPollSeen = true;
            }
            try {
                polls.incrementAndGet();
                waker.set(cx.waker());
                return remaining.get() <= 0 ? Poll.ready(polls.get()) : Poll.pending();
            } finally {
                running.decrementAndGet();
            }
        }

        void tick() {
            remaining.decrementAndGet();
            dev.spindle.Waker w = waker.get();
            if (w != null) {
                w.wake();
            }
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }

    @RepeatedTest(3)
    void foreignWakersNeverLoseAWakeNorPollConcurrently() throws Exception {
        int tasks = 2_000;
        int wakesEach = 20;
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(4).build()) {
            List<Countdown> cds = new ArrayList<>();
            List<JoinHandle<Integer>> hs = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                Countdown c = new Countdown(wakesEach);
                cds.add(c);
                hs.add(rt.spawn(c));
            }
            int threads = 4;
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> wakers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                wakers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int round = 0; round < wakesEach / threads; round++) {
                        for (int i = offset; i < tasks + offset; i++) {
                            cds.get(i % tasks).tick();
                        }
                    }
                }));
            }
            go.countDown();
            for (Thread t : wakers) {
                t.join();
            }
            // Each task gets wakesEach wakes in all (threads x wakesEach / threads). The spawn schedules the
            // first poll; after that only a wake that finds the task idle queues it, and a wake during a poll
            // makes exactly one more poll (TaskState: NOTIFIED is one bit, so wakes coalesce, never add). So
            // no task is polled more than once per wake plus the first poll, with no slack; and no poll after
            // the one that returned Ready.
            for (int i = 0; i < tasks; i++) {
                int polls = hs.get(i).join();
                assertThat(polls).as("polls of task %d for %d wakes", i, wakesEach).isBetween(1, wakesEach + 1);
                assertThat(cds.get(i).polls).as("polls of task %d after it completed", i).hasValue(polls);
                assertThat(cds.get(i).concurrentPollSeen).isFalse();
            }
            // Counters are updated just after the outcome is published, so they may trail the joins briefly.
            org.awaitility.Awaitility.await().atMost(10, SECONDS).until(() -> rt.metrics().completed() == tasks);
        }
    }

    @Test
    void spawningFromManyThreadsAndTasksAtOnceRunsEachTaskExactlyOnce() throws Exception {
        int outside = 4;
        int perThread = 20_000;
        int fanOut = 20;
        AtomicIntegerArray runs = new AtomicIntegerArray(outside * perThread * (fanOut + 1));
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(3).localQueueCapacity(16).build()) {
            List<Thread> spawners = new ArrayList<>();
            ConcurrentLinkedQueue<JoinHandle<?>> handles = new ConcurrentLinkedQueue<>();
            for (int t = 0; t < outside; t++) {
                int base = t * perThread * (fanOut + 1);
                spawners.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i += fanOut + 1) {
                        int id = base + i;
                        // A task that spawns fanOut children from inside (local queue, overflow to inject).
                        handles.add(rt.spawn(Futures.lazy(() -> {
                            runs.incrementAndGet(id);
                            List<JoinHandle<Integer>> kids = new ArrayList<>();
                            for (int k = 1; k <= fanOut; k++) {
                                int kid = id + k;
                                kids.add(SpindleRuntime.current().spawn(Futures.lazy(() -> runs.incrementAndGet(kid))));
                            }
                            return kids;
                        }).flatMap(Futures::joinAll)));
                    }
                }));
            }
            for (Thread t : spawners) {
                t.join();
            }
            for (JoinHandle<?> h : handles) {
                h.join();
            }
            int ran = 0;
            for (int i = 0; i < runs.length(); i++) {
                int r = runs.get(i);
                assertThat(r).as("runs of task slot %d", i).isBetween(0, 1);
                ran += r;
            }
            assertThat(ran).isEqualTo(outside * (perThread / (fanOut + 1) + (perThread % (fanOut + 1) == 0 ? 0 : 1)) * (fanOut + 1));
            assertThat(rt.metrics().perWorker().stream().mapToLong(w -> w.overflowed()).sum()).isPositive();
        }
    }

    @RepeatedTest(3)
    void abortsRacingWakesAndCompletionsCompleteEveryHandleExactlyOnce() throws Exception {
        int n = 3_000;
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(3).build()) {
            List<Countdown> cds = new ArrayList<>();
            List<JoinHandle<Integer>> hs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Countdown c = new Countdown(3);
                cds.add(c);
                hs.add(rt.spawn(c));
            }
            Thread aborter = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < n; i += 2) {
                    hs.get(i).abort();
                }
            });
            Thread waker = Thread.ofPlatform().start(() -> {
                for (int r = 0; r < 3; r++) {
                    for (int i = 0; i < n; i++) {
                        cds.get(i).tick();
                        if (ThreadLocalRandom.current().nextInt(50) == 0) {
                            Thread.yield();
                        }
                    }
                }
            });
            aborter.join();
            waker.join();
            int cancelled = 0;
            int completed = 0;
            for (int i = 0; i < n; i++) {
                try {
                    hs.get(i).join();
                    completed++;
                    assertThat(cds.get(i).cancels).hasValue(0);
                } catch (TaskCancelledException e) {
                    cancelled++;
                    assertThat(cds.get(i).cancels).as("release hook runs exactly once").hasValue(1);
                }
                assertThat(cds.get(i).concurrentPollSeen).isFalse();
            }
            assertThat(cancelled + completed).isEqualTo(n);
            assertThat(cancelled).isLessThanOrEqualTo(n / 2);
            org.awaitility.Awaitility.await().atMost(10, SECONDS).until(() -> rt.metrics().alive() == 0);
        }
    }
}
