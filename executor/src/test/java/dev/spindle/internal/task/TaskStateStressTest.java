package dev.spindle.internal.task;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real threads: wakers hammer a task while two workers run its queued copies (see {@link TaskStateHarness}
 * for the checks: one runner at a time, one queued copy at most, runs == queue insertions, polls ≤ wakes + 1,
 * no lost wake). After each round, a final wake of the idle task must queue it and produce one more poll.
 */
@Tag("stress")
@Timeout(30)
class TaskStateStressTest {
    private static final int ROUNDS = 300;
    private static final int WAKERS = 3;
    private static final int WAKES_PER_WAKER = 200;

    @Test
    void wakesDuringPollsAreNeverLost() throws Exception {
        long deadline = System.nanoTime() + 4_000_000_000L; // bounded: stop early on a slow machine
        int rounds = 0;
        for (; rounds < ROUNDS && System.nanoTime() < deadline; rounds++) {
            runRound();
        }
        assertThat(rounds).isGreaterThan(0);
    }

    private static void runRound() throws Exception {
        TaskStateHarness h = new TaskStateHarness(0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean wakersDone = new AtomicBoolean();
        CyclicBarrier start = new CyclicBarrier(WAKERS + 2);
        List<Thread> wakers = new ArrayList<>();
        for (int i = 0; i < WAKERS; i++) {
            wakers.add(guarded(failure, () -> {
                start.await();
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int k = 0; k < WAKES_PER_WAKER; k++) {
                    h.wake();
                    for (int spin = rnd.nextInt(8); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            workers.add(guarded(failure, () -> {
                start.await();
                while (!wakersDone.get()) {
                    if (!h.tryRunOne()) {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        for (Thread t : wakers) {
            t.join();
        }
        wakersDone.set(true);
        for (Thread t : workers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        h.drain();
        h.checkQuiescent();

        // The task is idle now: one more wake must queue it and cause exactly one more poll.
        int pollsBefore = h.polls.get();
        h.wake();
        assertThat(h.queued.get()).isEqualTo(1);
        h.drain();
        assertThat(h.polls.get()).isEqualTo(pollsBefore + 1);
        h.checkQuiescent();
    }

    interface Body {
        void run() throws Exception;
    }

    private static Thread guarded(AtomicReference<Throwable> failure, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        t.start();
        return t;
    }
}
