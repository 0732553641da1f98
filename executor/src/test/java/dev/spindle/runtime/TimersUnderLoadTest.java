package dev.spindle.runtime;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Sleep;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Timers when the runtime is busy: a burst of sleeps spawned from one task (the shape of the TimerOvershoot
 * benchmark), sleeps raced by timeouts of about the same length (cancellation while firing), and a sleep on a
 * worker whose run queue is kept full by tasks that yield.
 */
@Timeout(value = 120, unit = SECONDS)
class TimersUnderLoadTest {

    /** Sleeps {@code nanos} from its first poll and records how long it really took (or -1 if cancelled). */
    private static final class Sleeper implements Future<Integer> {
        final long nanos;
        final long[] elapsed;
        final int index;
        long start;
        Sleep sleep;

        Sleeper(long nanos, long[] elapsed, int index) {
            this.nanos = nanos;
            this.elapsed = elapsed;
            this.index = index;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            if (sleep == null) {
                start = System.nanoTime();
                sleep = Time.sleep(Duration.ofNanos(nanos));
            }
            if (sleep.poll(cx).isPending()) {
                return Poll.pending();
            }
            elapsed[index] = System.nanoTime() - start;
            return Poll.ready(1);
        }

        @Override
        public void cancel() {
            if (sleep != null) {
                sleep.cancel();
            }
        }
    }

    /** Spawns {@code n} futures from inside one task and awaits them all, in order. */
    private static final class SpawnAll implements Future<Integer> {
        final SpindleRuntime rt;
        final List<Future<Integer>> futures;
        List<JoinHandle<Integer>> handles;
        int next;
        int completed;

        SpawnAll(SpindleRuntime rt, List<Future<Integer>> futures) {
            this.rt = rt;
            this.futures = futures;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            if (handles == null) {
                handles = new ArrayList<>(futures.size());
                for (Future<Integer> f : futures) {
                    handles.add(rt.spawn(f));
                }
            }
            while (next < handles.size()) {
                Poll<Integer> p = handles.get(next).poll(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                completed += p.value();
                next++;
            }
            return Poll.ready(completed);
        }
    }

    @Test
    void aBurstOfSleepsFromOneTaskAllFireOnceAndNoneEarly() {
        int n = 50_000;
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("timers-burst-").build()) {
            SplittableRandom rnd = new SplittableRandom(42);
            long[] requested = new long[n];
            long[] elapsed = new long[n];
            List<Future<Integer>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                requested[i] = 1_000_000L * (1 + rnd.nextInt(20));
                elapsed[i] = -1;
                futures.add(new Sleeper(requested[i], elapsed, i));
            }
            assertThat(rt.blockOn(rt.spawn(new SpawnAll(rt, futures)))).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(elapsed[i]).as("sleep %d: elapsed vs requested", i).isGreaterThanOrEqualTo(requested[i]);
            }
            assertThat(rt.metrics().timers()).isZero();
            assertThat(rt.metrics().containedFaults()).isZero();
            // Every timer was fired by some worker: one wake per sleep, no more.
            long fired = rt.metrics().perWorker().stream().mapToLong(dev.spindle.WorkerMetrics::timersFired).sum();
            assertThat(fired).isLessThanOrEqualTo(n);
        }
    }

    @Test
    void timeoutsRacingSleepsOfTheSameLength() {
        int n = 20_000;
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("timers-race-")
                .uncaughtExceptionHandler((t, e) -> { }).build()) {
            SplittableRandom rnd = new SplittableRandom(4242);
            long[] requested = new long[n];
            long[] elapsed = new long[n];
            List<JoinHandle<Integer>> handles = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                requested[i] = 1_000_000L * (1 + rnd.nextInt(5));
                elapsed[i] = -1;
                // Timed-out tasks are reported as unobserved until joined below: the handler keeps the log quiet.
                // The limit is the same length, give or take 1 ms: the two timers fall into the same or adjacent
                // ticks, so the inner sleep is often cancelled while it is due (taken or about to be taken out of
                // the wheel by a firer).
                long limit = requested[i] + 1_000_000L * (rnd.nextInt(3) - 1);
                handles.add(rt.spawn(Time.timeout(Duration.ofNanos(Math.max(0, limit)),
                        new Sleeper(requested[i], elapsed, i))));
            }
            int timedOut = 0;
            for (int i = 0; i < n; i++) {
                try {
                    assertThat(handles.get(i).join()).isEqualTo(1);
                    assertThat(elapsed[i]).as("sleep %d finished early", i).isGreaterThanOrEqualTo(requested[i]);
                } catch (TaskFailedException e) {
                    assertThat(e.getCause()).isInstanceOf(DeadlineExceededException.class);
                    timedOut++;
                }
            }
            assertThat(timedOut).isPositive().isLessThan(n);
            // Cancelled sleeps left nothing behind in the wheels.
            await().atMost(10, SECONDS).until(() -> rt.metrics().timers() == 0);
            assertThat(rt.metrics().containedFaults()).isZero();
        }
    }

    /**
     * A worker fires no more timers than fit in its run queue (the rest wait in the wheel), but never none. Here the
     * only worker's queue (capacity 2) is kept exactly full: a task on the worker spawns two tasks that yield for
     * ever (the first goes to the LIFO slot, the second to the queue; each yield puts its task back at the tail, so
     * the queue holds both at every maintenance step). Without that floor the sleep would never fire.
     */
    @Test
    void aSleepFiresWhileTheRunQueueStaysFull() {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).localQueueCapacity(2)
                .threadNamePrefix("timers-full-").build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger yields = new AtomicInteger();
            Future<Void> yielder = cx -> {
                if (stop.get()) {
                    return Poll.readyNull();
                }
                yields.incrementAndGet();
                cx.waker().wake(); // yield: back of the run queue
                return Poll.pending();
            };
            List<JoinHandle<Void>> yielders = new ArrayList<>();
            rt.blockOn(rt.spawn((Future<Void>) cx -> {
                yielders.add(rt.spawn(yielder));
                yielders.add(rt.spawn(yielder));
                return Poll.readyNull();
            }));
            await().atMost(10, SECONDS).until(() -> yields.get() > 10_000);
            long t0 = System.nanoTime();
            JoinHandle<Void> sleeper = rt.spawn(Time.sleep(Duration.ofMillis(5)));
            try {
                await().atMost(10, SECONDS).until(sleeper::isDone);
                assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(5_000_000L);
            } finally {
                stop.set(true);
            }
            yielders.forEach(JoinHandle::join);
        }
    }
}
