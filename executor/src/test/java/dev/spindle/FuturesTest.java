package dev.spindle;

import dev.spindle.testkit.MockTask;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leaf futures of {@link Futures}, and the failure handling of map/flatMap. */
class FuturesTest {

    // ---------------------------------------------------------------- ready / pending

    @Test
    void readyCompletesOnFirstPollAndThenRejectsPolls() {
        Future<String> f = Futures.ready("hi");
        MockTask<String> task = MockTask.of(f);
        assertThat(task.assertReady()).isEqualTo("hi");
        assertThat(task.wakeCount()).isZero();
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("polled after it completed");
    }

    @Test
    void readyMayHoldNull() {
        assertThat(MockTask.of(Futures.<Void>ready(null)).assertReady()).isNull();
    }

    @Test
    void pendingNeverCompletesAndNeverWakes() {
        MockTask<Object> task = MockTask.of(Futures.pending());
        for (int i = 0; i < 5; i++) {
            task.assertPending();
            assertThat(task.isWoken()).isFalse();
        }
        task.cancel(); // no-op, must not throw
    }

    // ---------------------------------------------------------------- lazy

    @Test
    void lazyDoesNothingUntilPolledAndRunsOnce() {
        AtomicInteger calls = new AtomicInteger();
        Future<Integer> f = Futures.lazy(() -> calls.incrementAndGet() * 10);
        assertThat(calls).hasValue(0);
        MockTask<Integer> task = MockTask.of(f);
        assertThat(calls).hasValue(0);
        assertThat(task.assertReady()).isEqualTo(10);
        assertThat(calls).hasValue(1);
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.lazy() future polled after it completed");
        assertThat(calls).hasValue(1);
    }

    @Test
    void lazyCancelledBeforePollNeverRunsTheSupplier() {
        AtomicInteger calls = new AtomicInteger();
        MockTask<Integer> task = MockTask.of(Futures.lazy(calls::incrementAndGet));
        task.cancel();
        assertThat(calls).hasValue(0);
    }

    @Test
    void lazyPropagatesTheSuppliersException() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        MockTask<Object> task = MockTask.of(Futures.lazy(() -> {
            throw boom;
        }));
        assertThatThrownBy(task::poll).isSameAs(boom);
    }

    // ---------------------------------------------------------------- pollFn

    @Test
    void pollFnCallsTheFunctionOnEachPollUntilReady() {
        AtomicInteger calls = new AtomicInteger();
        Future<String> f = Futures.pollFn(cx -> {
            if (calls.incrementAndGet() < 3) {
                cx.waker().wake();
                return Poll.pending();
            }
            return Poll.ready("third");
        });
        MockTask<String> task = MockTask.of(f);
        assertThat(calls).hasValue(0);
        task.assertPending();
        assertThat(task.isWoken()).isTrue();
        task.assertPending();
        assertThat(task.assertReady()).isEqualTo("third");
        assertThat(calls).hasValue(3);
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("polled after it completed");
        assertThat(calls).hasValue(3);
    }

    @Test
    void pollFnReturningNullFailsClearly() {
        MockTask<Object> task = MockTask.of(Futures.pollFn(cx -> null));
        assertThatThrownBy(task::poll)
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("returned null");
    }

    // ---------------------------------------------------------------- yieldNow

    @Test
    void yieldNowWakesOnceThenCompletes() {
        Future<Void> f = Futures.yieldNow();
        MockTask<Void> task = MockTask.of(f);
        task.assertPending();
        assertThat(task.wakeCount()).isEqualTo(1);
        assertThat(task.assertReady()).isNull();
        assertThat(task.wakeCount()).isZero();
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.yieldNow() future polled after it completed");
    }

    @Test
    void yieldNowInsideJoinAllYieldsTheTaskOnce() {
        ControllableFuture<String> other = ControllableFuture.named("other");
        MockTask<java.util.List<Object>> task = MockTask.of(
                Futures.joinAll(java.util.List.<Future<?>>of(Futures.yieldNow(), other)));
        task.assertPending();
        assertThat(task.wakeCount()).as("the yield's self-wake reaches the task").isEqualTo(1);
        task.assertPending(); // the yield completes; `other` was not woken, so it is not polled
        assertThat(task.isWoken()).isFalse();
        assertThat(other.polls()).isEqualTo(1);
        other.complete("x");
        assertThat(task.assertReady()).containsExactly(null, "x");
    }

    // ---------------------------------------------------------------- argument checks

    @Test
    void nullArgumentsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> Futures.lazy(null)).isInstanceOf(NullPointerException.class).hasMessage("supplier");
        assertThatThrownBy(() -> Futures.pollFn(null)).isInstanceOf(NullPointerException.class).hasMessage("fn");
        assertThatThrownBy(() -> Futures.join(null, Futures.ready(1))).hasMessage("first");
        assertThatThrownBy(() -> Futures.join(Futures.ready(1), null)).hasMessage("second");
        assertThatThrownBy(() -> Futures.select(null, Futures.ready(1))).hasMessage("first");
        assertThatThrownBy(() -> Futures.select(Futures.ready(1), null)).hasMessage("second");
        assertThatThrownBy(() -> Futures.fromCompletionStage(null)).hasMessage("stage");
        assertThatThrownBy(() -> Futures.joinAll(null)).hasMessage("Futures.joinAll(): futures");
        assertThatThrownBy(() -> Futures.race(null)).hasMessage("Futures.race(): futures");
        java.util.List<Future<Integer>> withNull = new java.util.ArrayList<>();
        withNull.add(Futures.ready(1));
        withNull.add(null);
        assertThatThrownBy(() -> Futures.joinAll(withNull))
                .isInstanceOf(NullPointerException.class).hasMessage("Futures.joinAll(): futures[1] is null");
        assertThatThrownBy(() -> Futures.race(withNull))
                .isInstanceOf(NullPointerException.class).hasMessage("Futures.race(): futures[1] is null");
    }

    // ---------------------------------------------------------------- map / flatMap failure handling

    @Test
    void mapDoesNotCancelAnInnerFutureThatThrew() {
        ControllableFuture<Integer> inner = ControllableFuture.named("inner");
        Future<Integer> mapped = inner.map(x -> x + 1);
        inner.fail(new IllegalStateException("inner failed"));
        assertThatThrownBy(() -> mapped.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .hasMessage("inner failed");
        mapped.cancel(); // a defensive owner; the failed inner must not see it
        assertThat(inner.cancels()).isZero();
        assertThat(inner.violations()).isEmpty();
    }

    @Test
    void flatMapCancelsTheCurrentStageOnceAndNotAStageThatThrew() {
        ControllableFuture<Integer> first = ControllableFuture.named("first");
        ControllableFuture<String> second = ControllableFuture.named("second");
        MockTask<String> task = MockTask.of(first.flatMap(x -> second));
        task.assertPending();
        first.complete(1);
        task.assertPending();
        task.cancel();
        assertThat(first.cancels()).isZero();
        assertThat(second.cancels()).isEqualTo(1);

        ControllableFuture<Integer> failing = ControllableFuture.named("failing");
        Future<String> f = failing.flatMap(x -> Futures.ready("never"));
        failing.fail(new IllegalArgumentException("x"));
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop()))).hasMessage("x");
        assertThatThrownBy(() -> f.poll(new dev.spindle.testkit.TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("polled after it completed");
        f.cancel();
        assertThat(failing.cancels()).isZero();
    }
}
