package dev.spindle.testkit;

import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.RuntimeClosedException;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.TaskFailedException;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The runtime's behavioural suite, run over every flavour: subclasses choose the worker count, whether results
 * are awaited from a platform thread or from a virtual thread, and the builder (the executor's plain one, or
 * the io module's, whose runtime carries the I/O driver). Every flavour must pass the same tests: a behaviour
 * that only holds without an event driver, or only on one worker, is a bug.
 *
 * <p>Longer than this kit's other files on purpose: it is one list of the runtime's promises (spawning and
 * results, cancellation, panics, shutdown, fairness, timers, metrics), and splitting it would make a flavour
 * subclass several classes.
 */
@Timeout(value = 60, unit = SECONDS)
public abstract class RuntimeBehaviourSuite {
    protected SpindleRuntime rt;
    protected final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    private String prefix;

    /** Worker threads of this flavour. */
    protected abstract int workers();

    /** Whether the test awaits results from a virtual thread (else from the JUnit platform thread). */
    protected abstract boolean awaitFromVirtualThread();

    /** A builder with this flavour's defaults; the suite sets the workers, thread names and the handler. */
    protected SpindleRuntime.Builder newBuilder() {
        return SpindleRuntime.builder();
    }

    @BeforeEach
    void start() {
        prefix = "spindle-test-" + getClass().getSimpleName() + "-" + System.nanoTime() + "-";
        rt = newBuilder().workers(workers()).threadNamePrefix(prefix)
                .uncaughtExceptionHandler((t, e) -> unhandled.add(e)).build();
    }

    @AfterEach
    void stop() {
        rt.close();
        assertThat(liveThreads(prefix)).as("threads left after close()").isEmpty();
    }

    private static List<String> liveThreads(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /** Awaits {@code h} the way this flavour does. */
    protected <T> T result(JoinHandle<T> h) {
        if (!awaitFromVirtualThread()) {
            return h.join();
        }
        AtomicReference<Object> out = new AtomicReference<>();
        Thread vt = Thread.ofVirtual().start(() -> {
            try {
                out.set(h.join());
            } catch (Throwable e) {
                out.set(new Thrown(e));
            }
        });
        try {
            if (!vt.join(Duration.ofSeconds(30))) {
                throw new AssertionError("virtual thread did not finish joining within 30 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Object o = out.get();
        if (o instanceof Thrown(Throwable e)) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError(e);
        }
        @SuppressWarnings("unchecked") T t = (T) o;
        return t;
    }

    private record Thrown(Throwable e) {
    }

    /**
     * Returns once anything submitted before this call has been run to the end of its poll, so that a poll
     * which must not happen would have happened by now: a marker task spawned from this thread enters the
     * inject queue behind anything this thread's earlier wakes queued, and once it has run and every worker is
     * parked with the inject queue empty, nothing taken from a queue is still being polled. No sleep, so no
     * guess of how long "long enough" is.
     */
    protected void awaitQuiescence() {
        assertThat(result(rt.spawn(Futures.ready("marker")))).isEqualTo("marker");
        await().atMost(10, SECONDS).until(() -> {
            var m = rt.metrics();
            return m.parkedWorkers() == workers() && m.injectQueueDepth() == 0;
        });
    }

    // ---- spawning and results ------------------------------------------------------------------------

    @Test
    void spawnReturnsTheValue() {
        assertThat(result(rt.spawn(Futures.ready("hello")))).isEqualTo("hello");
        assertThat(rt.blockOn(Futures.lazy(() -> 42))).isEqualTo(42);
    }

    @Test
    void tasksSpawnAndAwaitEachOtherThroughTheCurrentRuntime() {
        Future<Integer> parent = Futures.lazy(() -> {
            List<Future<Integer>> children = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                children.add(SpindleRuntime.current().spawn(Futures.lazy(() -> n)));
            }
            return children;
        }).flatMap(Futures::joinAll).map(list -> list.stream().mapToInt(Integer::intValue).sum());
        assertThat(result(rt.spawn(parent))).isEqualTo(4950);
    }

    @Test
    void workerThreadsKnowTheyAreWorkers() {
        assertThat(SpindleRuntime.isWorkerThread()).isFalse();
        assertThat(SpindleRuntime.tryCurrent()).isEmpty();
        JoinHandle<Boolean> h = rt.spawn(Futures.lazy(() ->
                SpindleRuntime.isWorkerThread() && SpindleRuntime.current() == rt));
        assertThat(result(h)).isTrue();
        JoinHandle<Boolean> b = rt.spawnBlocking(() -> !SpindleRuntime.isWorkerThread()
                && Thread.currentThread().isVirtual() && SpindleRuntime.current() == rt);
        assertThat(result(b)).isTrue();
    }

    // ---- wakes ---------------------------------------------------------------------------------------

    @Test
    void aWakeDuringAPollCausesExactlyOneMorePoll() {
        AtomicInteger polls = new AtomicInteger();
        Future<Integer> f = cx -> {
            int n = polls.incrementAndGet();
            if (n == 1) {
                cx.waker().wake();
                cx.waker().wake(); // double wake: still one more poll
                return Poll.pending();
            }
            return Poll.ready(n);
        };
        assertThat(result(rt.spawn(f))).isEqualTo(2);
        assertThat(polls).hasValue(2);
    }

    @Test
    void wakesFromForeignAndVirtualThreadsArePolledAndAWakeWithoutProgressOnlyRepolls() throws Exception {
        TestFutures.Gate<String> gate = new TestFutures.Gate<>();
        JoinHandle<String> h = rt.spawn(gate);
        await().atMost(10, SECONDS).until(() -> gate.polls.get() == 1 && gate.waker.get() != null);
        gate.wakeWithoutProgress(); // from this (foreign) thread
        await().atMost(10, SECONDS).until(() -> gate.polls.get() == 2);
        Thread vt = Thread.ofVirtual().start(gate::wakeWithoutProgress);
        vt.join();
        await().atMost(10, SECONDS).until(() -> gate.polls.get() == 3);
        Thread.ofVirtual().start(() -> gate.complete("done")).join();
        assertThat(result(h)).isEqualTo("done");
        assertThat(gate.polls).hasValue(4);
        gate.wakeWithoutProgress(); // after completion: a no-op
        awaitQuiescence();
        assertThat(gate.polls).hasValue(4);
        assertThat(gate.cancels).hasValue(0);
    }

    @Test
    void aWakeBeforeTheFirstPollIsNotLost() {
        TestFutures.Gate<Integer> gate = new TestFutures.Gate<>();
        gate.complete(7); // completes before any poll: the first poll sees it
        assertThat(result(rt.spawn(gate))).isEqualTo(7);
    }

    // ---- abort ---------------------------------------------------------------------------------------

    @Test
    void abortWhileIdleRunsTheReleaseHookOnce() {
        TestFutures.Gate<String> gate = new TestFutures.Gate<>();
        JoinHandle<String> h = rt.spawn(gate);
        await().atMost(10, SECONDS).until(() -> gate.polls.get() == 1);
        h.abort();
        h.abort();
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskCancelledException.class);
        assertThat(gate.cancels).hasValue(1);
        assertThat(h.isCancelled()).isTrue();
        gate.complete("late"); // a wake after cancellation is a no-op
        awaitQuiescence(); // a poll the late wake wrongly scheduled would have run by now
        assertThat(gate.polls).hasValue(1);
    }

    @Test
    void abortWhileRunningCancelsWhenThePollReturns() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger polls = new AtomicInteger();
        AtomicInteger cancels = new AtomicInteger();
        Future<String> f = new Future<>() {
            @Override
            public Poll<String> poll(dev.spindle.Context cx) {
                polls.incrementAndGet();
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                cx.waker().wake(); // would be polled again, but the abort wins
                return Poll.pending();
            }

            @Override
            public void cancel() {
                cancels.incrementAndGet();
            }
        };
        JoinHandle<String> h = rt.spawn(f);
        assertThat(entered.await(10, SECONDS)).isTrue();
        h.abort();
        release.countDown();
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskCancelledException.class);
        assertThat(polls).hasValue(1);
        assertThat(cancels).hasValue(1);
    }

    @Test
    void abortWhileScheduledNeverPollsTheFuture() throws Exception {
        // Occupy every worker, so that the next task stays queued.
        List<TestFutures.Blocker> blockers = new ArrayList<>();
        for (int i = 0; i < workers(); i++) {
            TestFutures.Blocker b = new TestFutures.Blocker();
            blockers.add(b);
            rt.spawn(b);
        }
        for (TestFutures.Blocker b : blockers) {
            assertThat(b.entered.await(10, SECONDS)).isTrue();
        }
        TestFutures.Gate<String> queued = new TestFutures.Gate<>();
        JoinHandle<String> h = rt.spawn(queued);
        h.abort();
        blockers.forEach(b -> b.release.countDown());
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskCancelledException.class);
        assertThat(queued.polls).hasValue(0);
        assertThat(queued.cancels).hasValue(1);
    }

    @Test
    void abortAfterCompletionChangesNothing() {
        JoinHandle<Integer> h = rt.spawn(Futures.ready(1));
        assertThat(result(h)).isEqualTo(1);
        h.abort();
        assertThat(h.isCancelled()).isFalse();
        assertThat(result(h)).isEqualTo(1);
    }

    // ---- failures ------------------------------------------------------------------------------------

    @Test
    void anExceptionFailsTheHandleWithTheOriginalCauseAndTheWorkerSurvives() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        JoinHandle<Object> h = rt.spawn(cx -> {
            throw boom;
        });
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskFailedException.class).hasCause(boom);
        for (int i = 0; i < 10 * workers(); i++) {
            assertThat(result(rt.spawn(Futures.ready(i)))).isEqualTo(i);
        }
    }

    @Test
    void anUnobservedFailureIsReportedOnceToTheHandler() {
        IllegalStateException boom = new IllegalStateException("nobody listens");
        rt.spawn(cx -> {
            throw boom;
        });
        await().atMost(10, SECONDS).until(() -> !unhandled.isEmpty());
        assertThat(unhandled).hasSize(1);
        assertThat(unhandled.get(0)).isInstanceOf(TaskFailedException.class).hasCause(boom);
    }

    @Test
    void blockOnDoesNotReportItsFailureAsUnobserved() throws Exception {
        IllegalStateException boom = new IllegalStateException("observed");
        assertThatThrownBy(() -> rt.blockOn(cx -> {
            throw boom;
        })).isInstanceOf(TaskFailedException.class).hasCause(boom);
        awaitQuiescence(); // the worker that completed the task would have reported it before parking
        assertThat(unhandled).isEmpty();
    }

    // ---- misuse --------------------------------------------------------------------------------------

    @Test
    void blockingOnAWorkerFailsFastWithAClearMessage() {
        TestFutures.Gate<Integer> never = new TestFutures.Gate<>();
        JoinHandle<Integer> other = rt.spawn(never);
        JoinHandle<String> h = rt.spawn(Futures.lazy(() -> {
            try {
                other.join();
                return "joined?!";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        }));
        assertThat(result(h)).contains("worker thread").contains("spawnBlocking");
        JoinHandle<String> b = rt.spawn(Futures.lazy(() -> {
            try {
                rt.blockOn(Futures.ready(1));
                return "blocked?!";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        }));
        assertThat(result(b)).contains("blockOn");
        other.abort();
    }

    @Test
    void aFinishedFutureMustNotBePolledAgain() {
        Future<Integer> lazy = Futures.lazy(() -> 1);
        assertThat(rt.blockOn(lazy)).isEqualTo(1);
        assertThatThrownBy(() -> rt.blockOn(lazy)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("polled after");
    }

    // ---- fairness ------------------------------------------------------------------------------------

    @Test
    void aTaskYieldingForeverDoesNotStarveOthers() {
        AtomicInteger spins = new AtomicInteger();
        JoinHandle<Void> spinner = rt.spawn(cx -> {
            spins.incrementAndGet();
            cx.waker().wake();
            return Poll.pending();
        });
        // The spinner must be running before the others start, or nothing is proved: with more workers than
        // cores (four on CI's two), its first poll can come after the others have finished.
        await().atMost(Duration.ofSeconds(10)).until(() -> spins.get() > 0);
        for (int i = 0; i < 100; i++) {
            assertThat(result(rt.spawn(TestFutures.yielding(3)))).isEqualTo(4);
        }
        spinner.abort();
        assertThatThrownBy(() -> result(spinner)).isInstanceOf(TaskCancelledException.class);
    }

    @Test
    void twoTasksWakingEachOtherForeverDoNotStarveAThird() {
        // Ping-pong through the LIFO slot: without the per-tick cap the pair would monopolise its worker.
        AtomicReference<dev.spindle.Waker> a = new AtomicReference<>();
        AtomicReference<dev.spindle.Waker> b = new AtomicReference<>();
        AtomicInteger bounces = new AtomicInteger();
        Future<Void> pingA = cx -> {
            a.set(cx.waker());
            bounces.incrementAndGet();
            dev.spindle.Waker other = b.get();
            if (other != null) {
                other.wake();
            }
            return Poll.pending();
        };
        Future<Void> pingB = cx -> {
            b.set(cx.waker());
            bounces.incrementAndGet();
            dev.spindle.Waker other = a.get();
            if (other != null) {
                other.wake();
            }
            return Poll.pending();
        };
        JoinHandle<Void> ha = rt.spawn(pingA);
        JoinHandle<Void> hb = rt.spawn(pingB);
        await().atMost(10, SECONDS).until(() -> bounces.get() > 1000);
        for (int i = 0; i < 20; i++) {
            assertThat(result(rt.spawn(TestFutures.yielding(2)))).isEqualTo(3);
        }
        ha.abort();
        hb.abort();
    }

    @Test
    void aTaskWokenIntoTheLifoSlotOfAWorkerStuckInALongPollIsRunByAnotherWorker() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(workers() > 1, "needs a second worker to steal");
        TestFutures.Gate<String> b = new TestFutures.Gate<>();
        JoinHandle<String> hb = rt.spawn(b);
        await().atMost(10, SECONDS).until(() -> b.polls.get() == 1);
        await().atMost(10, SECONDS).until(() -> rt.metrics().parkedWorkers() == workers());
        CountDownLatch bRanAgain = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            await().atMost(20, SECONDS).until(() -> b.polls.get() >= 2);
            bRanAgain.countDown();
        });
        // A wakes B from its worker (B lands in that worker's LIFO slot, nobody is notified for a single
        // task), then stalls in its poll until B has run: only another worker can run B meanwhile.
        JoinHandle<Boolean> ha = rt.spawn(Futures.lazy(() -> {
            try {
                // Every other worker must have finished searching and parked first, or one of them could
                // pick B up while still searching and nothing would be proved: waited for, not slept for.
                long until = System.nanoTime() + SECONDS.toNanos(10);
                while (rt.metrics().parkedWorkers() != workers() - 1) {
                    if (System.nanoTime() - until > 0) {
                        return false;
                    }
                    Thread.onSpinWait();
                }
                b.wakeWithoutProgress();
                return bRanAgain.await(10, SECONDS);
            } catch (InterruptedException e) {
                return false;
            }
        }));
        assertThat(result(ha)).as("B ran while A stalled its worker").isTrue();
        b.complete("done");
        assertThat(result(hb)).isEqualTo("done");
    }

    // ---- timers --------------------------------------------------------------------------------------

    @Test
    void sleepNeverCompletesEarly() {
        long t0 = System.nanoTime();
        rt.blockOn(Time.sleep(Duration.ofMillis(30)));
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    }

    @Test
    void manySleepsFireInDeadlineOrder() {
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<JoinHandle<Void>> hs = new ArrayList<>();
        for (int i = 5; i >= 1; i--) {
            int n = i;
            hs.add(rt.spawn(Time.sleep(Duration.ofMillis(40L * n)).map(v -> {
                order.add(n);
                return null;
            })));
        }
        hs.forEach(this::result);
        assertThat(order).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void timeoutCancelsTheSlowFutureAndFails() {
        TestFutures.Gate<String> slow = new TestFutures.Gate<>();
        JoinHandle<String> h = rt.spawn(Time.timeout(Duration.ofMillis(30), slow));
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(DeadlineExceededException.class);
        assertThat(slow.cancels).hasValue(1);
        assertThat(result(rt.spawn(Time.timeout(Duration.ofSeconds(10), Futures.ready("fast"))))).isEqualTo("fast");
        await().atMost(10, SECONDS).until(() -> rt.metrics().timers() == 0);
    }

    @Test
    void abortingASleepingTaskRemovesItsTimer() {
        JoinHandle<Void> h = rt.spawn(Time.sleep(Duration.ofHours(1)));
        await().atMost(10, SECONDS).until(() -> rt.metrics().timers() == 1);
        h.abort();
        assertThatThrownBy(() -> result(h)).isInstanceOf(TaskCancelledException.class);
        assertThat(rt.metrics().timers()).isZero();
    }

    @Test
    void intervalTicksOnSchedule() {
        long t0 = System.nanoTime(); // before the interval: its first tick is at its creation
        var interval = Time.interval(Duration.ofMillis(20));
        Future<Integer> fiveTicks = Futures.pollFn(new java.util.function.Function<>() {
            int ticks;

            @Override
            public Poll<Integer> apply(dev.spindle.Context cx) {
                while (interval.pollTick(cx).isReady()) {
                    if (++ticks == 5) {
                        return Poll.ready(ticks);
                    }
                }
                return Poll.pending();
            }
        });
        assertThat(rt.blockOn(fiveTicks)).isEqualTo(5);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(80));
    }

    // ---- blocking ------------------------------------------------------------------------------------

    @Test
    void spawnBlockingRunsOnAVirtualThreadAndCanBeAwaitedByATask() {
        JoinHandle<String> blocking = rt.spawnBlocking(() -> {
            Thread.sleep(20);
            return Thread.currentThread().isVirtual() ? "virtual" : "platform";
        });
        JoinHandle<String> viaTask = rt.spawn(blocking.map(s -> s + "!"));
        assertThat(result(viaTask)).isEqualTo("virtual!");
    }

    @Test
    void spawnBlockingFailureAndAbort() throws Exception {
        JoinHandle<Object> failing = rt.spawnBlocking(() -> {
            throw new java.io.IOException("disk on fire");
        });
        assertThatThrownBy(() -> result(failing)).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(java.io.IOException.class);
        CountDownLatch started = new CountDownLatch(1);
        JoinHandle<Object> sleeper = rt.spawnBlocking(() -> {
            started.countDown();
            Thread.sleep(60_000);
            return "woke";
        });
        assertThat(started.await(10, SECONDS)).isTrue();
        sleeper.abort();
        assertThatThrownBy(() -> result(sleeper)).isInstanceOf(TaskCancelledException.class);
    }

    @Test
    void thousandsOfVirtualThreadsAwaitAtOnce() throws Exception {
        int n = 5_000;
        List<TestFutures.Gate<Integer>> gates = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger sum = new AtomicInteger();
        CountDownLatch allWaiting = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            TestFutures.Gate<Integer> g = new TestFutures.Gate<>();
            gates.add(g);
            JoinHandle<Integer> h = rt.spawn(g);
            threads.add(Thread.ofVirtual().start(() -> {
                allWaiting.countDown();
                sum.addAndGet(h.join()); // parks the virtual thread: its carrier is free meanwhile
            }));
        }
        // All n virtual threads wait at once on a handful of carriers: only possible if join() parks.
        assertThat(allWaiting.await(30, SECONDS)).isTrue();
        for (int i = 0; i < n; i++) {
            gates.get(i).complete(1);
        }
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(sum).hasValue(n);
    }

    // ---- shutdown ------------------------------------------------------------------------------------

    @Test
    void closeCancelsPendingTasksRunsTheirHooksAndRefusesNewWork() {
        List<TestFutures.Gate<String>> gates = new ArrayList<>();
        List<JoinHandle<String>> handles = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestFutures.Gate<String> g = new TestFutures.Gate<>();
            gates.add(g);
            handles.add(rt.spawn(g));
        }
        JoinHandle<Void> sleeper = rt.spawn(Time.sleep(Duration.ofHours(1)));
        await().atMost(10, SECONDS).until(() -> gates.stream().allMatch(g -> g.polls.get() == 1));
        int cancelled = rt.shutdownNow();
        assertThat(cancelled).isEqualTo(51);
        for (int i = 0; i < gates.size(); i++) {
            assertThat(gates.get(i).cancels).hasValue(1);
            assertThat(handles.get(i).isCancelled()).isTrue();
        }
        assertThat(sleeper.isCancelled()).isTrue();
        assertThatThrownBy(() -> rt.spawn(Futures.ready(1))).isInstanceOf(RuntimeClosedException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> rt.spawnBlocking(() -> 1)).isInstanceOf(RuntimeClosedException.class);
        assertThat(rt.isTerminated()).isTrue();
        rt.close(); // idempotent
    }

    @Test
    void gracefulShutdownReturnsAsSoonAsTasksFinish() {
        for (int i = 0; i < 10; i++) {
            rt.spawn(Time.sleep(Duration.ofMillis(50)));
        }
        long t0 = System.nanoTime();
        assertThat(rt.shutdown(Duration.ofSeconds(30))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(rt.isTerminated()).isTrue();
    }

    @Test
    void gracefulShutdownCancelsWhatDoesNotFinishInTime() {
        TestFutures.Gate<String> never = new TestFutures.Gate<>();
        JoinHandle<String> h = rt.spawn(never);
        assertThat(rt.shutdown(Duration.ofMillis(100))).isFalse();
        assertThat(never.cancels).hasValue(1);
        assertThat(h.isCancelled()).isTrue();
    }

    @Test
    void closingFromInsideATaskFailsFast() {
        JoinHandle<String> h = rt.spawn(Futures.lazy(() -> {
            try {
                rt.close();
                return "closed?!";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        }));
        assertThat(result(h)).contains("wait for itself");
    }

    @Test
    void metricsCountWhatHappened() {
        for (int i = 0; i < 100; i++) {
            result(rt.spawn(TestFutures.yielding(1)));
        }
        var m = rt.metrics();
        assertThat(m.spawned()).isGreaterThanOrEqualTo(100);
        assertThat(m.totalPolls()).isGreaterThanOrEqualTo(200);
        assertThat(m.perWorker()).hasSize(workers());
        assertThat(m.describe()).contains("polls");
    }
}
