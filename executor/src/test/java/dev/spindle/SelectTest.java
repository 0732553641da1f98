package dev.spindle;

import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.TestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Futures#select} and {@link Futures#race}. */
class SelectTest {

    // ---------------------------------------------------------------- select

    @Test
    void firstWinsAndSecondIsCancelledOnce() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<Integer> b = ControllableFuture.named("b");
        Future<Selected<String, Integer>> select = Futures.select(a, b);
        MockTask<Selected<String, Integer>> task = MockTask.of(select);
        task.assertPending();
        a.complete("a wins");
        assertThat(task.isWoken()).isTrue();
        assertThat(task.assertReady()).isEqualTo(new Selected.First<String, Integer>("a wins"));
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isEqualTo(1);
        select.cancel(); // after completion: no-op
        assertThat(a.cancels()).isZero();
        assertThat(b.cancels()).isEqualTo(1);
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
        assertThatThrownBy(() -> select.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.select() future polled after it completed");
    }

    @Test
    void secondWinsAndFirstIsCancelledOnce() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<Integer> b = ControllableFuture.named("b");
        MockTask<Selected<String, Integer>> task = MockTask.of(Futures.select(a, b));
        task.assertPending();
        task.assertPending();
        b.complete(42);
        Selected<String, Integer> result = task.assertReady();
        String described = switch (result) {
            case Selected.First<String, Integer>(var s) -> "first " + s;
            case Selected.Second<String, Integer>(var i) -> "second " + i;
        };
        assertThat(described).isEqualTo("second 42");
        assertThat(a.cancels()).isEqualTo(1);
        assertThat(b.cancels()).isZero();
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
    }

    @Test
    void selectIsBiasedTowardsTheFirstWhenBothAreReady() {
        ControllableFuture<String> a = ControllableFuture.readyWith("a", "A");
        ControllableFuture<String> b = ControllableFuture.readyWith("b", "B");
        assertThat(MockTask.of(Futures.select(a, b)).assertReady()).isEqualTo(new Selected.First<String, String>("A"));
        assertThat(b.polls()).as("second is not polled once first is ready").isZero();
        assertThat(b.cancels()).isEqualTo(1);
        assertThat(a.cancels()).isZero();
    }

    @Test
    void selectAgainstPendingNeverLetsPendingWin() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        MockTask<Selected<String, Object>> task = MockTask.of(Futures.select(a, Futures.pending()));
        task.assertPending();
        a.complete("x");
        assertThat(task.assertReady()).isEqualTo(new Selected.First<String, Object>("x"));
    }

    @Test
    void selectFailureCancelsTheOtherOnceAndPropagates() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<String> b = ControllableFuture.named("b");
        MockTask<Selected<String, String>> task = MockTask.of(Futures.select(a, b));
        task.assertPending();
        RuntimeException boom = new RuntimeException("b failed");
        b.fail(boom);
        assertThatThrownBy(task::poll).isSameAs(boom);
        assertThat(a.cancels()).isEqualTo(1);
        assertThat(b.cancels()).isZero();

        ControllableFuture<String> c = ControllableFuture.named("c");
        ControllableFuture<String> d = ControllableFuture.named("d");
        c.fail(new IllegalStateException("c failed"));
        assertThatThrownBy(() -> MockTask.of(Futures.select(c, d)).poll()).hasMessage("c failed");
        assertThat(c.cancels()).isZero();
        assertThat(d.cancels()).isEqualTo(1);
        assertThat(d.polls()).isZero();
    }

    @Test
    void cancellingSelectCancelsBothOnce() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        ControllableFuture<String> b = ControllableFuture.named("b");
        Future<Selected<String, String>> select = Futures.select(a, b);
        MockTask<Selected<String, String>> task = MockTask.of(select);
        task.assertPending();
        task.cancel();
        select.cancel();
        assertThat(a.cancels()).isEqualTo(1);
        assertThat(b.cancels()).isEqualTo(1);
        assertThat(a.violations()).isEmpty();
        assertThat(b.violations()).isEmpty();
    }

    @Test
    void aLoserWhoseCancelThrowsDoesNotCostTheWinnersValue() {
        ControllableFuture<String> a = ControllableFuture.named("a");
        Future<String> badLoser = new Future<>() {
            @Override
            public Poll<String> poll(Context cx) {
                return Poll.pending();
            }

            @Override
            public void cancel() {
                throw new IllegalStateException("broken release hook (logged by Futures, expected in this test)");
            }
        };
        MockTask<Selected<String, String>> task = MockTask.of(Futures.select(a, badLoser));
        task.assertPending();
        a.complete("won");
        assertThat(task.assertReady()).isEqualTo(new Selected.First<String, String>("won"));
    }

    // ---------------------------------------------------------------- race

    @Test
    void raceReturnsTheFirstToCompleteAndCancelsEveryOtherOnce() {
        List<ControllableFuture<String>> cs = children(4);
        Future<String> race = Futures.race(cs);
        MockTask<String> task = MockTask.of(race);
        task.assertPending();
        cs.get(2).complete("two");
        assertThat(task.assertReady()).isEqualTo("two");
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 1, 0, 1);
        race.cancel();
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 1, 0, 1);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
        assertThatThrownBy(() -> race.poll(new TestContext(Waker.noop())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Futures.race() future polled after it completed");
    }

    @Test
    void racePollsOnlyWokenChildrenAndPrefersTheLowerIndexAmongThem() {
        List<ControllableFuture<String>> cs = children(3);
        MockTask<String> task = MockTask.of(Futures.race(cs));
        task.assertPending();
        cs.get(1).wake();
        task.assertPending();
        assertThat(cs.stream().map(ControllableFuture::polls)).containsExactly(1, 2, 1);
        cs.get(2).complete("two");
        cs.get(1).complete("one");
        assertThat(task.assertReady()).isEqualTo("one");
        assertThat(cs.get(2).polls()).as("not polled after the winner").isEqualTo(1);
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 0, 1);
    }

    @Test
    void raceFailureCancelsTheOthersAndPropagates() {
        List<ControllableFuture<String>> cs = children(3);
        MockTask<String> task = MockTask.of(Futures.race(cs));
        task.assertPending();
        RuntimeException boom = new RuntimeException("1 failed");
        cs.get(1).fail(boom);
        assertThatThrownBy(task::poll).isSameAs(boom);
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 0, 1);
        cs.forEach(c -> assertThat(c.violations()).isEmpty());
    }

    @Test
    void raceFailureAttachesABrokenCancelAsSuppressed() {
        ControllableFuture<String> failing = ControllableFuture.named("failing");
        IllegalStateException cancelFailure = new IllegalStateException("cancel failed");
        Future<String> badCancel = new Future<>() {
            @Override
            public Poll<String> poll(Context cx) {
                return Poll.pending();
            }

            @Override
            public void cancel() {
                throw cancelFailure;
            }
        };
        ControllableFuture<String> last = ControllableFuture.named("last");
        MockTask<String> task = MockTask.of(Futures.race(List.of(failing, badCancel, last)));
        task.assertPending();
        failing.fail(new RuntimeException("primary"));
        assertThatThrownBy(task::poll).hasMessage("primary").hasSuppressedException(cancelFailure);
        assertThat(last.cancels()).as("cancelled despite the sibling's broken hook").isEqualTo(1);
    }

    @Test
    void cancellingRaceCancelsEveryChildOnce() {
        List<ControllableFuture<String>> cs = children(3);
        MockTask<String> task = MockTask.of(Futures.race(cs));
        task.assertPending();
        task.cancel();
        assertThat(cs.stream().map(ControllableFuture::cancels)).containsExactly(1, 1, 1);
    }

    @Test
    void raceOfNothingIsRejected() {
        assertThatThrownBy(() -> Futures.race(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
    }

    @Test
    void raceOfOneIsThatFuture() {
        assertThat(MockTask.of(Futures.race(List.of(Futures.ready("only")))).assertReady()).isEqualTo("only");
    }

    private static List<ControllableFuture<String>> children(int n) {
        List<ControllableFuture<String>> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cs.add(ControllableFuture.named("c" + i));
        }
        return cs;
    }
}
