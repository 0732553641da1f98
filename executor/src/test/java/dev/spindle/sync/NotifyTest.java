package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.RecordingWaker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NotifyTest {

    @Test
    void notifyOneWithoutWaiterStoresOnePermit() {
        var n = new Notify();
        n.notifyOne();
        n.notifyOne(); // still one permit
        MockTask.of(n.notified()).assertReady();
        var second = MockTask.of(n.notified());
        second.assertPending();
        assertThat(second.isWoken()).isFalse();
    }

    @Test
    void notifyOneWakesWaitersInFifoOrder() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        var b = MockTask.of(n.notified());
        var c = MockTask.of(n.notified());
        a.assertPending();
        b.assertPending();
        c.assertPending();

        n.notifyOne();
        assertThat(a.wakeCount()).isEqualTo(1);
        assertThat(b.isWoken()).isFalse();
        assertThat(c.isWoken()).isFalse();
        a.assertReady();

        n.notifyOne();
        assertThat(b.wakeCount()).isEqualTo(1);
        assertThat(c.isWoken()).isFalse();
        b.assertReady();

        n.notifyOne();
        assertThat(c.wakeCount()).isEqualTo(1);
        c.assertReady();

        // No waiter left: the next notifyOne stores a permit.
        n.notifyOne();
        MockTask.of(n.notified()).assertReady();
    }

    @Test
    void notifiedWaiterStaysPendingUntilNotified() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        a.assertPending();
        a.assertPending(); // same waker, still queued once
        n.notifyOne();
        assertThat(a.wakeCount()).isEqualTo(1);
        a.assertReady();
        // Exactly one notification was consumed: nothing is stored.
        MockTask.of(n.notified()).assertPending();
    }

    @Test
    void repollWithOtherWakerReplacesIt() {
        var n = new Notify();
        var f = n.notified();
        RecordingWaker first = new RecordingWaker();
        RecordingWaker second = new RecordingWaker();
        assertThat(f.poll(new Context(first)).isPending()).isTrue();
        assertThat(f.poll(new Context(second)).isPending()).isTrue();
        n.notifyOne();
        assertThat(first.wakeCount()).isZero();
        assertThat(second.wakeCount()).isEqualTo(1);
        assertThat(f.poll(new Context(second)).isReady()).isTrue();
    }

    @Test
    void notifyWaitersWakesAllAndStoresNoPermit() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        var b = MockTask.of(n.notified());
        a.assertPending();
        b.assertPending();
        n.notifyWaiters();
        assertThat(a.wakeCount()).isEqualTo(1);
        assertThat(b.wakeCount()).isEqualTo(1);
        a.assertReady();
        b.assertReady();
        MockTask.of(n.notified()).assertPending();
    }

    @Test
    void notifyWaitersCompletesFuturesCreatedBeforeItEvenIfNotPolled() {
        var n = new Notify();
        var before = MockTask.of(n.notified());
        n.notifyWaiters();
        var after = MockTask.of(n.notified());
        before.assertReady();
        after.assertPending();
    }

    @Test
    void notifyWaitersLeavesAStoredPermitAlone() {
        var n = new Notify();
        n.notifyOne();
        n.notifyWaiters();
        MockTask.of(n.notified()).assertReady(); // the permit
        MockTask.of(n.notified()).assertPending();
    }

    @Test
    void cancellingAWaiterPickedByNotifyOneForwardsToTheNextWaiter() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        var b = MockTask.of(n.notified());
        a.assertPending();
        b.assertPending();
        n.notifyOne();
        assertThat(a.wakeCount()).isEqualTo(1);
        a.cancel(); // picked, never observed
        assertThat(b.wakeCount()).isEqualTo(1);
        b.assertReady();
        MockTask.of(n.notified()).assertPending(); // forwarded, not duplicated
    }

    @Test
    void cancellingTheOnlyPickedWaiterStoresThePermit() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        a.assertPending();
        n.notifyOne();
        a.cancel();
        MockTask.of(n.notified()).assertReady();
        MockTask.of(n.notified()).assertPending();
    }

    @Test
    void cancellingAnUnpickedWaiterLeavesTheQueue() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        var b = MockTask.of(n.notified());
        a.assertPending();
        b.assertPending();
        a.cancel();
        n.notifyOne();
        assertThat(a.wakeCount()).isZero();
        assertThat(b.wakeCount()).isEqualTo(1);
        b.assertReady();
    }

    @Test
    void cancellingTheLastWaiterReturnsToEmpty() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        a.assertPending();
        a.cancel();
        assertThat(n.toString()).contains("EMPTY");
        n.notifyOne(); // nobody waits: stores the permit
        MockTask.of(n.notified()).assertReady();
    }

    @Test
    void cancellingAfterNotifyWaitersForwardsNothing() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        a.assertPending();
        n.notifyWaiters();
        a.cancel();
        MockTask.of(n.notified()).assertPending();
    }

    @Test
    void cancellingBeforeFirstPollHoldsNothing() {
        var n = new Notify();
        var a = MockTask.of(n.notified());
        a.cancel();
        n.notifyOne();
        MockTask.of(n.notified()).assertReady();
    }

    @Test
    void pollAfterReadyThrows() {
        var n = new Notify();
        n.notifyOne();
        var f = n.notified();
        Context cx = new Context(new RecordingWaker());
        assertThat(f.poll(cx).isReady()).isTrue();
        assertThatThrownBy(() -> f.poll(cx))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call notified() again");
    }
}
