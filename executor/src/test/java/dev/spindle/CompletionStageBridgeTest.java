package dev.spindle;

import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.RecordingWaker;
import dev.spindle.testkit.TestContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link Futures#fromCompletionStage}. */
class CompletionStageBridgeTest {

    @Test
    void constructingDoesNotTouchTheStage() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Futures.fromCompletionStage(cf);
        assertThat(cf.getNumberOfDependents()).isZero();
    }

    @Test
    void stageCompletedBeforeTheFirstPollIsReadyWithoutACallback() {
        CompletableFuture<String> cf = CompletableFuture.completedFuture("early");
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        assertThat(task.assertReady()).isEqualTo("early");
        assertThat(task.isWoken()).isFalse();
        assertThat(cf.getNumberOfDependents()).isZero();
    }

    @Test
    void stageCompletedAfterTheFirstPollWakesTheTaskOnce() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Future<String> f = Futures.fromCompletionStage(cf);
        MockTask<String> task = MockTask.of(f);
        task.assertPending();
        assertThat(task.isWoken()).isFalse();
        cf.complete("late");
        assertThat(task.wakeCount()).isEqualTo(1);
        assertThat(task.assertReady()).isEqualTo("late");
        assertThatThrownBy(() -> f.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.fromCompletionStage() future polled after it completed");
    }

    @Test
    void registersOneCallbackHowEverOftenItIsPolled() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        for (int i = 0; i < 10; i++) {
            task.assertPending();
        }
        assertThat(cf.getNumberOfDependents()).isEqualTo(1);
        cf.complete("x");
        assertThat(task.wakeCount()).isEqualTo(1);
        assertThat(task.assertReady()).isEqualTo("x");
    }

    @Test
    void wakesTheWakerOfTheLatestPoll() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        Future<Integer> f = Futures.fromCompletionStage(cf);
        RecordingWaker first = new RecordingWaker();
        RecordingWaker second = new RecordingWaker();
        assertThat(f.poll(new TestContext(first)).isPending()).isTrue();
        assertThat(f.poll(new TestContext(second)).isPending()).isTrue();
        cf.complete(1);
        assertThat(first.wakeCount()).isZero();
        assertThat(second.wakeCount()).isEqualTo(1);
        assertThat(f.poll(new TestContext(second)).value()).isEqualTo(1);
    }

    @Test
    void completionFromAnotherThreadIsObserved() throws Exception {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        task.assertPending();
        Thread t = Thread.ofPlatform().start(() -> cf.complete("from afar"));
        t.join(10_000);
        await().atMost(10, TimeUnit.SECONDS).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(task::isWoken);
        assertThat(task.assertReady()).isEqualTo("from afar");
    }

    @Test
    void noWakeUpIsLostWhenCompletionRacesWithPolling() throws Exception {
        // Many rounds of: poll once, while another thread completes the stage at about the same time.
        // Each round must end either Ready on that poll or with a wake; a lost wake-up times out.
        for (int round = 0; round < 2_000; round++) {
            CompletableFuture<Integer> cf = new CompletableFuture<>();
            CountDownLatch woken = new CountDownLatch(1);
            Future<Integer> f = Futures.fromCompletionStage(cf);
            TestContext cx = new TestContext(woken::countDown);
            CountDownLatch go = new CountDownLatch(1);
            int value = round;
            Thread completer = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cf.complete(value);
            });
            go.countDown();
            Poll<Integer> p = f.poll(cx);
            if (p.isPending()) {
                assertThat(woken.await(10, TimeUnit.SECONDS)).as("round %d: wake-up lost", round).isTrue();
                p = f.poll(cx);
            }
            assertThat(p.isReady()).isTrue();
            assertThat(p.value()).isEqualTo(value);
            completer.join(10_000);
        }
    }

    @Test
    void runtimeFailureIsRethrownAsIs() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        CompletableFuture<String> cf = CompletableFuture.failedFuture(boom);
        assertThatThrownBy(() -> MockTask.of(Futures.fromCompletionStage(cf)).poll()).isSameAs(boom);
    }

    @Test
    void failureAfterTheFirstPollIsRethrownAsIs() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        task.assertPending();
        IllegalStateException boom = new IllegalStateException("late boom");
        cf.completeExceptionally(boom);
        assertThat(task.isWoken()).isTrue();
        assertThatThrownBy(task::poll).isSameAs(boom);
    }

    @Test
    void errorIsRethrownAsIs() {
        AssertionError err = new AssertionError("an error");
        CompletableFuture<String> cf = CompletableFuture.failedFuture(err);
        assertThatThrownBy(() -> MockTask.of(Futures.fromCompletionStage(cf)).poll()).isSameAs(err);
    }

    @Test
    void checkedFailureIsWrappedInCompletionException() {
        IOException io = new IOException("disk");
        CompletableFuture<String> cf = CompletableFuture.failedFuture(io);
        assertThatThrownBy(() -> MockTask.of(Futures.fromCompletionStage(cf)).poll())
                .isExactlyInstanceOf(CompletionException.class)
                .cause().isSameAs(io);
    }

    @Test
    void completionExceptionWrappersAreRemoved() {
        IllegalStateException inner = new IllegalStateException("inner");
        CompletableFuture<String> cf = new CompletableFuture<>();
        cf.completeExceptionally(new CompletionException(new CompletionException(inner)));
        assertThatThrownBy(() -> MockTask.of(Futures.fromCompletionStage(cf)).poll()).isSameAs(inner);

        IOException io = new IOException("checked");
        CompletableFuture<String> wrappedChecked = new CompletableFuture<>();
        wrappedChecked.completeExceptionally(new CompletionException(io));
        assertThatThrownBy(() -> MockTask.of(Futures.fromCompletionStage(wrappedChecked)).poll())
                .isExactlyInstanceOf(CompletionException.class)
                .cause().isSameAs(io);
    }

    @Test
    void failureOfADependentStageIsUnwrapped() {
        // thenApply wraps the failure in a CompletionException; the bridge removes it
        CompletableFuture<String> source = new CompletableFuture<>();
        MockTask<Integer> task = MockTask.of(Futures.fromCompletionStage(source.thenApply(String::length)));
        task.assertPending();
        UnsupportedOperationException boom = new UnsupportedOperationException("source failed");
        source.completeExceptionally(boom);
        assertThat(task.isWoken()).isTrue();
        assertThatThrownBy(task::poll).isSameAs(boom);
    }

    @Test
    void cancelledStageThrowsCancellationException() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        task.assertPending();
        cf.cancel(false);
        assertThat(task.isWoken()).isTrue();
        assertThatThrownBy(task::poll).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellingTheFutureCancelsTheCompletableFuture() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf));
        task.assertPending();
        task.cancel();
        assertThat(cf.isCancelled()).isTrue();
        assertThat(task.isWoken()).as("the callback wakes nobody after cancel").isFalse();
    }

    @Test
    void cancellingBeforeTheFirstPollCancelsTheCompletableFuture() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask.of(Futures.fromCompletionStage(cf)).cancel();
        assertThat(cf.isCancelled()).isTrue();
    }

    @Test
    void cancelAfterCompletionIsANoOp() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        Future<String> f = Futures.fromCompletionStage(cf);
        MockTask<String> task = MockTask.of(f);
        task.assertPending();
        cf.complete("kept");
        assertThat(task.assertReady()).isEqualTo("kept");
        f.cancel();
        assertThat(cf.isCancelled()).isFalse();
        assertThat(cf.join()).isEqualTo("kept");
    }

    @Test
    void selectLosingToAnotherFutureCancelsTheCompletableFuture() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        MockTask<Selected<String, String>> task =
                MockTask.of(Futures.select(Futures.fromCompletionStage(slow), Futures.ready("fast")));
        assertThat(task.assertReady()).isEqualTo(new Selected.Second<String, String>("fast"));
        assertThat(slow.isCancelled()).isTrue();
    }

    @Test
    void worksWithAMinimalCompletionStage() {
        CompletableFuture<String> cf = new CompletableFuture<>();
        MockTask<String> task = MockTask.of(Futures.fromCompletionStage(cf.minimalCompletionStage()));
        task.assertPending();
        cf.complete("minimal");
        assertThat(task.isWoken()).isTrue();
        assertThat(task.assertReady()).isEqualTo("minimal");
    }
}
