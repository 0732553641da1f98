package dev.spindle.sync;

import dev.spindle.testkit.MockTask;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backpressure: bounded channels, waiting senders, their order and their release hook. */
class MpscBoundedTest {

    @Test
    void capacityIsValidated() {
        assertThatThrownBy(() -> Mpsc.bounded(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity must be between 1 and");
        assertThatThrownBy(() -> Mpsc.bounded(-3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void trySendReportsFullAndCapacityTracksFreeSlots() {
        var ch = Mpsc.<String>bounded(2);
        var tx = ch.sender();
        assertThat(tx.maxCapacity()).isEqualTo(2);
        assertThat(tx.capacity()).isEqualTo(2);
        assertThat(tx.trySend("a")).isEqualTo(TrySendResult.OK);
        assertThat(tx.capacity()).isEqualTo(1);
        assertThat(tx.trySend("b")).isEqualTo(TrySendResult.OK);
        assertThat(tx.capacity()).isZero();
        assertThat(ch.receiver().len()).isEqualTo(2);
        assertThat(tx.trySend("c")).isEqualTo(TrySendResult.FULL);
        assertThat(ch.receiver().tryRecv()).isEqualTo("a");
        assertThat(tx.capacity()).isEqualTo(1);
        assertThat(tx.trySend("c")).isEqualTo(TrySendResult.OK);
        assertThat(ch.receiver().tryRecv()).isEqualTo("b");
        assertThat(ch.receiver().tryRecv()).isEqualTo("c");
        assertThat(tx.capacity()).isEqualTo(2);
        tx.close();
    }

    @Test
    void capacityOneWorks() {
        var ch = Mpsc.<Integer>bounded(1);
        for (int i = 0; i < 10; i++) {
            assertThat(ch.sender().trySend(i)).isEqualTo(TrySendResult.OK);
            assertThat(ch.sender().trySend(-1)).isEqualTo(TrySendResult.FULL);
            assertThat(ch.receiver().tryRecv()).isEqualTo(i);
        }
        ch.sender().close();
    }

    @Test
    void sendWithFreeSlotIsReadyAtOnce() {
        var ch = Mpsc.<String>bounded(1);
        var send = MockTask.of(ch.sender().send("a"));
        send.assertReady();
        assertThat(send.wakeCount()).isZero();
        assertThat(ch.receiver().tryRecv()).isEqualTo("a");
        ch.sender().close();
    }

    @Test
    void waitingSendersAreServedInOrder() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        var s2 = MockTask.of(ch.sender().send("2"));
        var s3 = MockTask.of(ch.sender().send("3"));
        s1.assertPending();
        s2.assertPending();
        s3.assertPending();

        assertThat(ch.receiver().tryRecv()).isEqualTo("0");
        assertThat(s1.wakeCount()).isEqualTo(1);
        assertThat(s2.isWoken()).isFalse();
        assertThat(s3.isWoken()).isFalse();
        // The freed slot belongs to s1 now: nobody may barge in.
        assertThat(ch.sender().trySend("barge")).isEqualTo(TrySendResult.FULL);
        s1.assertReady();

        assertThat(ch.receiver().tryRecv()).isEqualTo("1");
        assertThat(s2.wakeCount()).isEqualTo(1);
        assertThat(s3.isWoken()).isFalse();
        s2.assertReady();

        assertThat(ch.receiver().tryRecv()).isEqualTo("2");
        assertThat(s3.wakeCount()).isEqualTo(1);
        s3.assertReady();
        assertThat(ch.receiver().tryRecv()).isEqualTo("3");
        assertThat(ch.sender().capacity()).isEqualTo(1);
        ch.sender().close();
    }

    @Test
    void repollOfAWaitingSenderWithSameWakerWakesOnce() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        s1.assertPending();
        s1.assertPending();
        ch.receiver().tryRecv();
        assertThat(s1.wakeCount()).isEqualTo(1);
        s1.assertReady();
        ch.sender().close();
    }

    @Test
    void receiverWokenByTheSendOfAWaitingSender() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        s1.assertPending();
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("0");
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending(); // s1 holds the permit but has not pushed yet
        s1.assertReady();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("1");
        ch.sender().close();
    }

    @Test
    void cancelledWaitingSenderGivesUpItsPlace() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        var s2 = MockTask.of(ch.sender().send("2"));
        s1.assertPending();
        s2.assertPending();
        s1.cancel();
        ch.receiver().tryRecv();
        assertThat(s1.wakeCount()).isZero();
        assertThat(s2.wakeCount()).isEqualTo(1);
        s2.assertReady();
        assertThat(ch.receiver().tryRecv()).isEqualTo("2");
        assertThat(ch.receiver().tryRecv()).isNull();
        ch.sender().close();
    }

    @Test
    void cancelledSenderHoldingAPermitPassesItToTheNextWaiter() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        var s2 = MockTask.of(ch.sender().send("2"));
        s1.assertPending();
        s2.assertPending();
        ch.receiver().tryRecv(); // permit to s1
        assertThat(s1.wakeCount()).isEqualTo(1);
        s1.cancel(); // never used it
        assertThat(s2.wakeCount()).isEqualTo(1);
        s2.assertReady();
        assertThat(ch.receiver().tryRecv()).isEqualTo("2");
        assertThat(ch.sender().capacity()).isEqualTo(1);
        ch.sender().close();
    }

    @Test
    void cancelledSenderHoldingAPermitReturnsItWhenNobodyWaits() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        s1.assertPending();
        ch.receiver().tryRecv();
        assertThat(ch.sender().capacity()).isZero(); // reserved for s1
        s1.cancel();
        assertThat(ch.sender().capacity()).isEqualTo(1);
        assertThat(ch.sender().trySend("x")).isEqualTo(TrySendResult.OK);
        ch.sender().close();
    }

    @Test
    void receiverCloseFailsWaitingSenders() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        var s2 = MockTask.of(ch.sender().send("2"));
        s1.assertPending();
        s2.assertPending();
        ch.receiver().close();
        assertThat(s1.wakeCount()).isEqualTo(1);
        assertThat(s2.wakeCount()).isEqualTo(1);
        assertThatThrownBy(s1::poll)
                .isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("receiver was closed");
        assertThatThrownBy(s2::poll).isInstanceOf(ChannelClosedException.class);
        assertThat(ch.sender().trySend("3")).isEqualTo(TrySendResult.CLOSED);
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("0");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
        ch.sender().close();
    }

    @Test
    void senderGrantedAPermitBeforeTheCloseStillDelivers() {
        var ch = Mpsc.<String>bounded(1);
        ch.sender().trySend("0");
        var s1 = MockTask.of(ch.sender().send("1"));
        s1.assertPending();
        assertThat(ch.receiver().tryRecv()).isEqualTo("0"); // permit handed to s1
        ch.receiver().close();
        assertThat(s1.wakeCount()).as("woken by the permit only").isEqualTo(1);
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending(); // not the end yet: s1's message is still on its way
        s1.assertReady();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("1");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
        ch.sender().close();
    }

    @Test
    void allSendersClosedWhileASendWaitsStillDeliversIt() {
        var ch = Mpsc.<String>bounded(1);
        var tx = ch.sender();
        tx.trySend("0");
        var s1 = MockTask.of(tx.send("1"));
        s1.assertPending();
        tx.close();
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("0");
        assertThat(s1.wakeCount()).isEqualTo(1);
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending();
        s1.assertReady();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("1");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
    }

    @Test
    void sendFutureFirstPolledAfterAllSendersClosedFails() {
        var ch = Mpsc.<String>bounded(4);
        var f = ch.sender().send("late");
        ch.sender().close();
        assertThatThrownBy(() -> MockTask.of(f).poll())
                .isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("every sender");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
    }
}
