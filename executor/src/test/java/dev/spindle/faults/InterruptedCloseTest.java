package dev.spindle.faults;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.faults.FaultTier.Forever;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.spindle.faults.FaultTier.runtime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * close() and shutdown(Duration) called on an interrupted thread, or interrupted while they wait, still do
 * everything they promise — every release hook runs once, every handle completes, no worker is left — and then
 * restore the interrupt status. Before, the first InterruptedException ended the drain: hooks of tasks still
 * queued never ran (0 times) and their handles never completed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InterruptedCloseTest {

    /** Pending forever; its release hook takes a while, so close() has to wait for it. */
    static final class SlowHook extends Forever {
        @Override
        public void cancel() {
            super.cancel();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // not sleep: a hook must not block, but it may be slow
            }
        }
    }

    private static List<Forever> spawnWaiting(SpindleRuntime rt, List<JoinHandle<Void>> handles, int n) {
        List<Forever> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Forever f = i % 2 == 0 ? new SlowHook() : new Forever();
            futures.add(f);
            handles.add(rt.spawn(f));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> futures.stream().allMatch(f -> f.polls.get() == 1));
        return futures;
    }

    private static void assertAllCancelledOnce(List<Forever> futures, List<JoinHandle<Void>> handles) {
        for (Forever f : futures) {
            assertThat(f.cancels.get()).as("release hook runs exactly once").isEqualTo(1);
        }
        for (JoinHandle<Void> h : handles) {
            assertThat(h.isDone()).isTrue();
            assertThatThrownBy(h::join).isInstanceOf(TaskCancelledException.class);
        }
    }

    @Test
    void closeOnAnInterruptedThreadDrainsThenRestoresTheInterrupt() {
        SpindleRuntime rt = runtime(2, "fault-close-interrupted-", null);
        List<JoinHandle<Void>> handles = new ArrayList<>();
        List<Forever> futures = spawnWaiting(rt, handles, 6);

        Thread.currentThread().interrupt();
        try {
            rt.close();
            assertThat(Thread.interrupted()).as("interrupt status restored").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(rt.isTerminated()).isTrue();
        assertAllCancelledOnce(futures, handles);
    }

    @Test
    void closeInterruptedWhileWaitingForReleaseHooksStillDrains() throws Exception {
        SpindleRuntime rt = runtime(1, "fault-close-interrupted-midway-", null);
        List<JoinHandle<Void>> handles = new ArrayList<>();
        List<Forever> futures = spawnWaiting(rt, handles, 8); // 4 slow hooks of 100 ms on one worker: ~400 ms

        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread closer = Thread.ofPlatform().start(() -> {
            rt.close();
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        // Interrupt it again and again while it waits.
        while (closer.isAlive()) {
            closer.interrupt();
            closer.join(20);
        }
        assertThat(interruptedAfter.get()).isTrue();
        assertThat(rt.isTerminated()).isTrue();
        assertAllCancelledOnce(futures, handles);
    }

    @Test
    void gracefulShutdownOnAnInterruptedThreadWaitsItsGraceThenDrains() {
        SpindleRuntime rt = runtime(2, "fault-shutdown-interrupted-", null);
        // One task that finishes within the grace period, and some that never do.
        AtomicInteger finished = new AtomicInteger();
        long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(150);
        JoinHandle<Integer> quick = rt.spawn(new Future<Integer>() {
            @Override
            public Poll<Integer> poll(Context cx) {
                if (System.nanoTime() - at >= 0) {
                    finished.incrementAndGet();
                    return Poll.ready(1);
                }
                cx.waker().wake(); // yields until its time: keeps a worker busy, never blocks it
                return Poll.pending();
            }
        });
        List<JoinHandle<Void>> handles = new ArrayList<>();
        List<Forever> futures = spawnWaiting(rt, handles, 4);

        Thread.currentThread().interrupt();
        boolean clean;
        try {
            clean = rt.shutdown(Duration.ofSeconds(1));
            assertThat(Thread.interrupted()).as("interrupt status restored").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(clean).as("the waiting tasks did not finish in time").isFalse();
        assertThat(quick.isDone()).isTrue();
        assertThat(quick.join()).as("the grace period was not cut short by the interrupt").isEqualTo(1);
        assertThat(finished.get()).isEqualTo(1);
        assertThat(rt.isTerminated()).isTrue();
        assertAllCancelledOnce(futures, handles);
    }

    @Test
    void gracefulShutdownInterruptedMidwayReturnsAfterEverythingFinished() throws Exception {
        SpindleRuntime rt = runtime(2, "fault-shutdown-interrupted-midway-", null);
        CountDownLatch started = new CountDownLatch(1);
        JoinHandle<Integer> blocking = rt.spawnBlocking(() -> {
            started.countDown();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // ignores interrupts, finishes on its own within the grace period
            }
            return 7;
        });
        started.await();
        boolean[] clean = new boolean[1];
        Thread closer = Thread.ofPlatform().start(() -> clean[0] = rt.shutdown(Duration.ofSeconds(10)));
        Thread.sleep(50);
        closer.interrupt();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(clean[0]).isTrue();
        assertThat(blocking.join()).isEqualTo(7);
        assertThat(rt.isTerminated()).isTrue();
    }
}
