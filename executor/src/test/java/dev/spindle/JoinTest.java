package dev.spindle;

import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.TestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link Futures#join} and {@link Futures#joinAll}. */
class JoinTest {

    // ---------------------------------------------------------------- join

    @Test
    void joinCompletesWithBothValuesWhicheverFinishesFirst() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<Integer> b = ControllableFuture.named("b");
        Future<Futures.Both<String, Integer>> join = Futures.join(a, b);
        MockTask<Futures.Both<String, Integer>> task = MockTask.of(join);
        task.assertPending();
        b.complete(2);
        assertThat(task.isWoken()).isTrue();
        task.assertPending();
        assertThat(b.polls()).isEqualTo(2);
        a.complete("one");
        assertThat(task.assertReady()).isEqualTo(new Futures.Both<>("one", 2));
        assertThat(b.polls()).as("a finished child is not polled again").isEqualTo(2);
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
        assertThatThrownBy(() -> join.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.join() future polled after it completed");
        join.cancel(); // after completion: no-op
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isZero();
    }

    @Test
    void joinOfReadyFuturesCompletesOnFirstPoll() {
        assertThat(MockTask.of(Futures.join(Futures.ready("x"), Futures.<Void>ready(null))).assertReady())
                .isEqualTo(new Futures.Both<String, Void>("x", null));
    }

    @Test
    void joinFailureInFirstCancelsSecondOnce() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<String> b = ControllableFuture.named("b");
        MockTask<Futures.Both<String, String>> task = MockTask.of(Futures.join(a, b));
        task.assertPending();
        RuntimeException boom = new RuntimeException("a failed");
        a.fail(boom);
        assertThatThrownBy(task::poll).isSameAs(boom);
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isEqualTo(1);
    }

    @Test
    void joinFailureInSecondCancelsFirstOnce() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<String> b = ControllableFuture.named("b");
        MockTask<Futures.Both<String, String>> task = MockTask.of(Futures.join(a, b));
        task.assertPending();
        b.fail(new IllegalStateException("b failed"));
        assertThatThrownBy(task::poll).hasMessage("b failed");
        assertThat(a.cancels()).isEqualTo(1);
        assertThat(b.cancels()).isZero();
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
    }

    @Test
    void joinFailureAfterTheOtherFinishedCancelsNothing() {
        ControllableFuture<String> a = ControllableFuture.readyWith("a", "done");
        ControllableFuture<String> b = ControllableFuture.named("b");
        MockTask<Futures.Both<String, String>> task = MockTask.of(Futures.join(a, b));
        task.assertPending();
        b.fail(new IllegalStateException("b failed"));
        assertThatThrownBy(task::poll).hasMessage("b failed");
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isZero();
        assertThat(a.violations()).isEmpty();
    }

    @Test
    void cancellingJoinCancelsOnlyUnfinishedChildrenOnce() {
        ControllableFuture<String> a = ControllableFuture.readyWith("a", "done");
        ControllableFuture<String> b = ControllableFuture.named("b");
        Future<Futures.Both<String, String>> join = Futures.join(a, b);
        MockTask<Futures.Both<String, String>> task = MockTask.of(join);
        task.assertPending();
        task.cancel();
        join.cancel(); // a second cancel by a misbehaving owner is absorbed
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isEqualTo(1);
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
    }

    @Test
    void cancellingAnUnpolledJoinCancelsBothChildren() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<String> b = ControllableFuture.named("b");
        MockTask.of(Futures.join(a, b)).cancel();
        assertThat(a.cancels()).isEqualTo(1);
        assertThat(b.cancels()).isEqualTo(1);
        assertThat(a.polls()).isZero();
    }

    // ---------------------------------------------------------------- joinAll

    @Test
    void joinAllKeepsInputOrderWhateverTheCompletionOrder() {
        List<ControllableFuture<Integer>> cs = children(5);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        for (int i : new int[] {3, 0, 4, 1}) {
            cs.get(i).complete(i * 100);
            task.assertPending();
        }
        cs.get(2).complete(null);
        List<Integer> result = task.assertReady();
        assertThat(result).containsExactly(0, 100, null, 300, 400);
        assertThatThrownBy(() -> result.add(5)).isInstanceOf(UnsupportedOperationException.class);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
    }

    @Test
    void joinAllOfNothingIsReadyWithAnEmptyList() {
        assertThat(MockTask.of(Futures.<String>joinAll(List.of())).assertReady()).isEmpty();
    }

    @Test
    void joinAllRepollsOnlyWokenChildren() {
        List<ControllableFuture<Integer>> cs = children(4);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        assertThat(cs).allSatisfy(c -> assertThat(c.polls()).isEqualTo(1));

        cs.get(2).wake(); // woken, no progress
        assertThat(task.wakeCount()).isEqualTo(1);
        task.assertPending();
        assertThat(cs.stream().map(ControllableFuture::polls)).containsExactly(1, 1, 2, 1);

        cs.get(1).wake();
        cs.get(1).wake(); // a second wake of a marked child does not wake the task again
        assertThat(task.wakeCount()).isEqualTo(1);
        cs.get(3).complete(3);
        assertThat(task.wakeCount()).isEqualTo(2);
        task.assertPending();
        assertThat(cs.stream().map(ControllableFuture::polls)).containsExactly(1, 2, 2, 2);

        task.assertPending(); // a spurious poll polls nobody
        assertThat(cs.stream().map(ControllableFuture::polls)).containsExactly(1, 2, 2, 2);

        cs.get(3).wake(); // a late wake of a finished child: the task wakes, the child is not polled again
        cs.get(0).complete(0);
        cs.get(1).complete(1);
        cs.get(2).complete(2);
        assertThat(task.assertReady()).containsExactly(0, 1, 2, 3);
        assertThat(cs.stream().map(ControllableFuture::polls)).containsExactly(2, 3, 3, 2);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
    }

    @Test
    void joinAllGivesEachChildItsOwnStableWaker() {
        List<ControllableFuture<Integer>> cs = children(2);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        Waker w0 = cs.get(0).lastWaker();
        Waker w1 = cs.get(1).lastWaker();
        assertThat(w0).isNotSameAs(w1).isNotSameAs(task.waker());
        cs.get(0).wake();
        cs.get(1).wake();
        task.assertPending();
        assertThat(cs.get(0).lastWaker()).isSameAs(w0);
        assertThat(cs.get(1).lastWaker()).isSameAs(w1);
    }

    @Test
    void joinAllWakesTheWakerOfTheLatestPoll() {
        List<ControllableFuture<Integer>> cs = children(2);
        Future<List<Integer>> join = Futures.joinAll(cs);
        dev.spindle.testkit.RecordingWaker first = new dev.spindle.testkit.RecordingWaker();
        dev.spindle.testkit.RecordingWaker second = new dev.spindle.testkit.RecordingWaker();
        assertThat(join.poll(new TestContext(first)).isPending()).isTrue();
        cs.get(0).wake();
        assertThat(first.wakeCount()).isEqualTo(1);
        assertThat(join.poll(new TestContext(second)).isPending()).isTrue(); // the task moved
        cs.get(1).complete(1);
        assertThat(second.wakeCount()).isEqualTo(1);
        assertThat(first.wakeCount()).isEqualTo(1);
        cs.get(0).complete(0);
        assertThat(join.poll(new TestContext(second)).value()).containsExactly(0, 1);
    }

    @Test
    void joinAllOverManyChildrenUsesEveryWordOfTheWakeSet() {
        int n = 150; // three 64-bit words, the last partly used
        List<ControllableFuture<Integer>> cs = children(n);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        for (int i = n - 1; i > 0; i--) {
            cs.get(i).complete(i);
            task.assertPending();
            assertThat(cs.get(i).polls()).isEqualTo(2);
        }
        cs.get(0).complete(0);
        assertThat(task.assertReady()).containsExactlyElementsOf(expected);
        // n + (n) polls in all: one first poll each, one completing poll each; nothing polled spuriously
        assertThat(cs.stream().mapToInt(ControllableFuture::polls).sum()).isEqualTo(2 * n);
    }

    @Test
    void joinAllWakeFromAnotherThreadWakesTheTask() throws Exception {
        List<ControllableFuture<Integer>> cs = children(70);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        for (int i = 0; i < cs.size(); i++) {
            ControllableFuture<Integer> c = cs.get(i);
            int v = i;
            Thread t = Thread.ofPlatform().start(() -> c.complete(v));
            t.join(TimeUnit.SECONDS.toMillis(10));
            await().atMost(10, TimeUnit.SECONDS).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(task::isWoken);
            if (i < cs.size() - 1) {
                task.assertPending();
            }
        }
        assertThat(task.assertReady()).hasSize(70).startsWith(0, 1, 2).endsWith(69);
    }

    @Test
    void joinAllStressConcurrentCompletionsNeverLoseAWakeUp() throws Exception {
        for (int round = 0; round < 20; round++) {
            int n = 300;
            List<ControllableFuture<Integer>> cs = children(n);
            MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
            task.assertPending();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, new java.util.Random(round));
            int threads = 3;
            List<Thread> completers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int start = t;
                completers.add(Thread.ofPlatform().start(() -> {
                    for (int k = start; k < n; k += threads) {
                        int i = order.get(k);
                        cs.get(i).complete(i);
                        Thread.yield();
                    }
                }));
            }
            List<Integer> result = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (result == null) {
                // wait for a wake before each further poll: a lost wake-up shows as a timeout
                while (!task.isWoken()) {
                    assertThat(System.nanoTime()).as("round %d: wake-up lost", round).isLessThan(deadline);
                    Thread.onSpinWait();
                }
                Poll<List<Integer>> p = task.poll();
                if (p.isReady()) {
                    result = p.value();
                }
            }
            for (Thread t : completers) {
                t.join(10_000);
            }
            for (int i = 0; i < n; i++) {
                assertThat(result.get(i)).isEqualTo(i);
            }
            cs.forEach(c -> assertThat(c.violations()).isEmpty());
        }
    }

    @Test
    void joinAllFailureCancelsEveryOtherUnfinishedChildOnce() {
        List<ControllableFuture<Integer>> cs = children(4);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        cs.get(0).complete(0);
        task.assertPending();
        RuntimeException boom = new RuntimeException("child 2 failed");
        cs.get(2).fail(boom);
        assertThatThrownBy(task::poll).isSameAs(boom);
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(0, 1, 0, 1);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
    }

    @Test
    void joinAllFailureInTheSamePollAsOtherCompletionsStillCancelsTheRest() {
        List<ControllableFuture<Integer>> cs = children(3);
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        task.assertPending();
        cs.get(0).complete(0);
        cs.get(1).fail(new IllegalStateException("1"));
        cs.get(2).complete(2); // woken too, but polled after the failure: must be cancelled, not polled
        assertThatThrownBy(task::poll).hasMessage("1");
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(0, 0, 1);
        assertThat(cs.get(2).polls()).isEqualTo(1);
    }

    @Test
    void cancellingJoinAllCancelsUnfinishedChildrenOnceAndIsThenANoOp() {
        List<ControllableFuture<Integer>> cs = children(3);
        Future<List<Integer>> join = Futures.joinAll(cs);
        MockTask<List<Integer>> task = MockTask.of(join);
        task.assertPending();
        cs.get(1).complete(1);
        task.assertPending();
        task.cancel();
        join.cancel();
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 0, 1);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
        assertThatThrownBy(() -> join.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.joinAll() future polled after it completed");
    }

    @Test
    void joinAllAfterCompletionRejectsPollsAndIgnoresCancel() {
        ControllableFuture<Integer> c = ControllableFuture.readyWith("c", 7);
        Future<List<Integer>> join = Futures.joinAll(List.of(c));
        assertThat(MockTask.of(join).assertReady()).containsExactly(7);
        join.cancel();
        assertThat(c.cancels()).isZero();
        assertThatThrownBy(() -> join.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void joinAllChargesChildrenBudgetToTheTask() {
        // three children, each needs 2 units per poll; the task gets 5 per poll
        List<ControllableFuture<Integer>> cs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            cs.add(ControllableFuture.<Integer>readyWith("c" + i, i).spendingBudget(2));
        }
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs)).withBudget(5);
        task.assertPending(); // c0, c1 complete (4 units); c2 gets 1 unit, runs out, yields
        assertThat(task.forcedYields()).as("the child's forced yield is counted on the task").isEqualTo(1);
        assertThat(task.isWoken()).isTrue();
        assertThat(task.assertReady()).containsExactly(0, 1, 2);
        assertThat(cs.get(2).polls()).isEqualTo(2);
        assertThat(cs.get(0).polls()).isEqualTo(1);
    }

    @Test
    void joinAllWithoutBudgetLetsChildrenRunUnconstrained() {
        List<ControllableFuture<Integer>> cs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            cs.add(ControllableFuture.<Integer>readyWith("c" + i, i).spendingBudget(1000));
        }
        MockTask<List<Integer>> task = MockTask.of(Futures.joinAll(cs));
        assertThat(task.assertReady()).containsExactly(0, 1, 2);
        assertThat(task.forcedYields()).isZero();
    }

    private static List<ControllableFuture<Integer>> children(int n) {
        List<ControllableFuture<Integer>> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cs.add(ControllableFuture.named("c" + i));
        }
        return cs;
    }
}
