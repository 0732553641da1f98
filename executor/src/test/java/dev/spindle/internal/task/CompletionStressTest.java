package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real threads joining a {@link Task} (through {@link Task#join()}, {@link Task#join(Duration)} and
 * {@link Task#toCompletableFuture()}) while another thread completes it: every joiner must return the value;
 * a waiter stranded on the {@link Completion} stack would hang the round (bounded by a timeout).
 */
@Tag("stress")
@Timeout(30)
class CompletionStressTest {
    private static final int ROUNDS = 400;
    private static final int JOINERS = 8;

    private static final TaskScheduler SCHEDULER = new TaskScheduler() {
        @Override
        public void schedule(Task<?> task, boolean fromWake) {
            throw new AssertionError("not woken in this test");
        }

        @Override
        public void taskCompleted(Task<?> task, Throwable unobservedFailure) {
        }

        @Override
        public void reportHookFailure(Task<?> task, Throwable failure) {
            throw new AssertionError(failure);
        }
    };

    @Test
    void everyJoinerReturnsWhenTheTaskCompletes() throws Exception {
        long deadline = System.nanoTime() + 4_000_000_000L;
        int rounds = 0;
        for (; rounds < ROUNDS && System.nanoTime() < deadline; rounds++) {
            runRound(rounds);
        }
        assertThat(rounds).isGreaterThan(0);
    }

    private static void runRound(int round) throws Exception {
        Task<Integer> task = new Task<>(round, cx -> Poll.ready(42), SCHEDULER);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger returned = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> joiners = new ArrayList<>();
        List<CompletableFuture<Integer>> cfs = new ArrayList<>();
        for (int i = 0; i < JOINERS; i++) {
            int kind = i % 4;
            if (kind == 3) {
                cfs.add(task.toCompletableFuture()); // registers a forwarding node before completion
                continue;
            }
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    Integer v = kind == 2 ? task.join(Duration.ofSeconds(20)) : task.join();
                    assertThat(v).isEqualTo(42);
                    returned.incrementAndGet();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            t.start();
            joiners.add(t);
        }
        Thread completer = new Thread(() -> {
            try {
                go.await();
                for (int spin = round % 50; spin > 0; spin--) {
                    Thread.onSpinWait(); // vary where the completion lands among the pushes
                }
                assertThat(task.run(new Context(Waker.noop()))).isEqualTo(Task.RunOutcome.DONE);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        completer.start();
        go.countDown();
        for (Thread t : joiners) {
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(t.isAlive()).as("joiner stranded in round %d: %s", round, task).isFalse();
        }
        completer.join();
        assertThat(failure.get()).isNull();
        assertThat(returned.get()).isEqualTo(joiners.size());
        for (CompletableFuture<Integer> cf : cfs) {
            assertThat(cf.get(1, TimeUnit.SECONDS)).isEqualTo(42);
        }
        assertThat(task.isDone()).isTrue();
    }
}
