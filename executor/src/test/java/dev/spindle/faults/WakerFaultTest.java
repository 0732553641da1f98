package dev.spindle.faults;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.faults.FaultTier.Forever;
import dev.spindle.faults.FaultTier.ThrowingWaker;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.spindle.faults.FaultTier.assertClosesAndDrains;
import static dev.spindle.faults.FaultTier.assertStillServes;
import static dev.spindle.faults.FaultTier.runtime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Wakers that throw where the runtime wakes them outside any task's poll: a timer firing, and a task completing
 * with waiters on its handle. Before containment, the timer's waker killed the worker and cost the rest of the
 * fired batch its wakes; the completing task was never counted done, so close() waited for it forever.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WakerFaultTest {

    /** A user future that polls {@code inner} with its own context, whose waker throws. */
    static final class PollsWithThrowingWaker<T> implements Future<Void> {
        final Future<T> inner;
        final ThrowingWaker waker = new ThrowingWaker();
        volatile boolean polled;

        PollsWithThrowingWaker(Future<T> inner) {
            this.inner = inner;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            inner.poll(new Context(waker));
            polled = true;
            return Poll.pending(); // its own task is never woken: the runtime's close() cancels it
        }

        @Override
        public void cancel() {
            inner.cancel();
        }
    }

    @Test
    void aTimerWakerThatThrowsCostsNeitherTheWorkerNorTheOtherTimersOfItsBatch() throws Exception {
        try (SpindleRuntime rt = runtime(2, "fault-timer-waker-", null)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            PollsWithThrowingWaker<Void> bad = new PollsWithThrowingWaker<>(Time.sleepUntil(deadline));
            rt.spawn(bad);
            await().atMost(Duration.ofSeconds(10)).until(() -> bad.polled);
            // 100 sleepers due at the same instant: they fire in the same batch as the throwing waker.
            List<JoinHandle<Void>> sleepers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                sleepers.add(rt.spawn(Time.sleepUntil(deadline)));
            }
            for (JoinHandle<Void> h : sleepers) {
                h.join(Duration.ofSeconds(10));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> bad.waker.wakes.get() == 1);
            assertThat(rt.metrics().containedFaults()).isEqualTo(1);

            assertStillServes(rt);
            assertClosesAndDrains(rt);
        }
    }

    @Test
    void aJoinWakerThatThrowsDoesNotKeepTheTaskFromCompletingOrTheOtherJoinersFromWaking() throws Exception {
        try (SpindleRuntime rt = runtime(2, "fault-join-waker-", null)) {
            FaultTierGate gate = new FaultTierGate();
            JoinHandle<Void> target = rt.spawn(gate);
            PollsWithThrowingWaker<Void> bad = new PollsWithThrowingWaker<>(target);
            rt.spawn(bad);
            await().atMost(Duration.ofSeconds(10)).until(() -> bad.polled);
            // Another joiner, from outside, and an async one through a CompletableFuture.
            var cf = target.toCompletableFuture();
            Thread joiner = Thread.ofPlatform().start(target::join);

            gate.open();
            joiner.join(10_000);
            assertThat(joiner.isAlive()).as("the outside joiner woke").isFalse();
            assertThat(cf.get(10, TimeUnit.SECONDS)).isNull();
            // The completing worker wakes the joiners one after another: the outside ones may see theirs before it
            // reaches the bad waker, and it counts the fault after the waker threw.
            await().atMost(Duration.ofSeconds(10)).until(() -> bad.waker.wakes.get() == 1);
            // The completed task was counted done: nothing but the bad future's own task is live.
            await().atMost(Duration.ofSeconds(10)).until(() -> rt.metrics().alive() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> rt.metrics().containedFaults() == 1);

            assertStillServes(rt);
            assertClosesAndDrains(rt);
        }
    }

    @Test
    void aReleaseHookThatThrowsIsContainedAndTheOtherHooksStillRun() throws Exception {
        try (SpindleRuntime rt = runtime(2, "fault-release-hook-", null)) {
            ThrowingHook first = new ThrowingHook();
            JoinHandle<Void> aborted = rt.spawn(first);
            await().atMost(Duration.ofSeconds(10)).until(() -> first.polls.get() == 1);
            aborted.abort();
            await().atMost(Duration.ofSeconds(10)).until(aborted::isDone);
            assertThat(first.cancels.get()).isEqualTo(1);
            assertThat(rt.metrics().containedFaults()).isEqualTo(1);
            assertStillServes(rt);

            // At close: a throwing hook and a well-behaved one; both run once, and close() drains.
            ThrowingHook second = new ThrowingHook();
            Forever fine = new Forever();
            rt.spawn(second);
            rt.spawn(fine);
            await().atMost(Duration.ofSeconds(10)).until(() -> second.polls.get() == 1 && fine.polls.get() == 1);
            assertClosesAndDrains(rt);
            assertThat(second.cancels.get()).isEqualTo(1);
            assertThat(fine.cancels.get()).isEqualTo(1);
            assertThat(rt.metrics().containedFaults()).isEqualTo(2);
        }
    }

    /** Pending forever; its release hook throws. */
    static final class ThrowingHook extends Forever {
        @Override
        public void cancel() {
            super.cancel();
            throw new FaultTier.InjectedFault("injected failure of a release hook");
        }
    }
}
