package dev.spindle.internal.task;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A join that times out (or is interrupted) takes its waiter node off the {@link Completion} stack: a retry loop
 * of timed joins on a task that takes long must not grow memory without bound. Before, each timed-out join left
 * its node behind until the task completed (10,000 retries: 10,000 nodes).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimedJoinCleanupTest {

    /** A task whose future completes once {@code done} is set and the task is run again. */
    private static Task<Integer> task(AtomicBoolean done) {
        return new Task<>(1, cx -> done.get() ? Poll.ready(42) : Poll.pending(), new TaskScheduler() {
            @Override
            public void schedule(Task<?> t, boolean fromWake) {
            }

            @Override
            public void taskCompleted(Task<?> t, Throwable unobservedFailure) {
            }

            @Override
            public void reportHookFailure(Task<?> t, Throwable failure) {
                throw new AssertionError(failure);
            }
        });
    }

    @Test
    void aRetryLoopOfTimedJoinsLeavesNoNodesBehind() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        Task<Integer> t = task(done);
        CompletableFuture<Integer> live = t.toCompletableFuture(); // a live waiter below the retries
        for (int i = 0; i < 10_000; i++) {
            assertThatThrownBy(() -> t.join(Duration.ofNanos(1))).isInstanceOf(TimeoutException.class);
        }
        assertThat(t.waiterNodes()).as("only the live waiter's node is left").isEqualTo(1);

        done.set(true);
        t.run(new Context(Waker.noop()));
        assertThat(live.get(1, TimeUnit.SECONDS)).isEqualTo(42);
    }

    @Test
    void anInterruptedJoinLeavesNoNodeBehind() {
        Task<Integer> t = task(new AtomicBoolean());
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> t.join(Duration.ofSeconds(10))).isInstanceOf(InterruptedException.class);
        assertThat(t.waiterNodes()).isZero();
    }

    /**
     * Threads retrying short timed joins race threads in untimed joins and, at the end, the completion: every live
     * joiner returns the value (cleaning never unlinks a live node), and once the retries stop, one more cleaning
     * leaves exactly the live nodes.
     */
    @Test
    void cleaningRacingPushesAndCompletionNeverLosesALiveWaiter() throws Exception {
        for (int round = 0; round < 20; round++) {
            AtomicBoolean done = new AtomicBoolean();
            Task<Integer> t = task(done);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger liveReturned = new AtomicInteger();
            CountDownLatch liveQueued = new CountDownLatch(2);
            AtomicBoolean stopRetries = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        liveQueued.countDown();
                        assertThat(t.join()).isEqualTo(42);
                        liveReturned.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            List<Thread> retriers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                retriers.add(Thread.ofPlatform().start(() -> {
                    while (!stopRetries.get()) {
                        try {
                            t.join(Duration.ofNanos(ThreadLocalRandom.current().nextInt(1, 20_000)));
                        } catch (TimeoutException expected) {
                            // retry
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                    }
                }));
            }
            liveQueued.await();
            Thread.sleep(20);
            stopRetries.set(true);
            for (Thread r : retriers) {
                r.join();
            }
            // The two live joiners are parked by now (give them time), and nothing else waits: one more timed join
            // cleans whatever the racing cleaners left linked.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (t.waiterNodes() != 2 && System.nanoTime() < until) {
                assertThatThrownBy(() -> t.join(Duration.ofNanos(1))).isInstanceOf(TimeoutException.class);
                Thread.sleep(1);
            }
            assertThat(t.waiterNodes()).as("round %d: only the two live nodes remain", round).isEqualTo(2);

            done.set(true);
            t.run(new Context(Waker.noop()));
            for (Thread th : threads) {
                th.join(10_000);
                assertThat(th.isAlive()).as("round %d: a live joiner was stranded", round).isFalse();
            }
            assertThat(failure.get()).isNull();
            assertThat(liveReturned.get()).isEqualTo(2);
        }
    }
}
