package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.RecordingWaker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unbounded channels and the behaviour both flavours share. */
class MpscTest {

    /** A future that receives until the end of the stream or a Pending, collecting what it got. */
    private static Future<List<String>> drain(Mpsc.Receiver<String> rx, List<String> into) {
        return cx -> {
            while (true) {
                Poll<String> p = rx.pollRecv(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                if (p.value() == null) {
                    return Poll.ready(into);
                }
                into.add(p.value());
            }
        };
    }

    @Test
    void messageSentBeforeRecvIsReadyAtOnce() {
        var ch = Mpsc.<String>unbounded();
        assertThat(ch.sender().trySend("a")).isEqualTo(TrySendResult.OK);
        var rx = MockTask.of(ch.receiver().recv());
        assertThat(rx.assertReady()).isEqualTo("a");
        assertThat(rx.wakeCount()).isZero();
        ch.sender().close();
    }

    @Test
    void sendAfterRegistrationWakesTheReceiver() {
        var ch = Mpsc.<String>unbounded();
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending();
        assertThat(rx.isWoken()).isFalse();
        ch.sender().trySend("a");
        assertThat(rx.wakeCount()).isEqualTo(1);
        ch.sender().trySend("b"); // slot already emptied by the first wake: no second wake
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("a");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("b");
        ch.sender().close();
    }

    @Test
    void repollWithSameWakerWakesOnce() {
        var ch = Mpsc.<String>unbounded();
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending();
        rx.assertPending();
        ch.sender().trySend("a");
        assertThat(rx.wakeCount()).isEqualTo(1);
        ch.sender().close();
    }

    @Test
    void repollWithOtherWakerReplacesIt() {
        var ch = Mpsc.<String>unbounded();
        RecordingWaker a = new RecordingWaker();
        RecordingWaker b = new RecordingWaker();
        assertThat(ch.receiver().pollRecv(new Context(a)).isPending()).isTrue();
        assertThat(ch.receiver().pollRecv(new Context(b)).isPending()).isTrue();
        ch.sender().trySend("x");
        assertThat(a.wakeCount()).isZero();
        assertThat(b.wakeCount()).isEqualTo(1);
        assertThat(ch.receiver().pollRecv(new Context(b)).value()).isEqualTo("x");
        ch.sender().close();
    }

    @Test
    void sendFutureIsLazyAndFifoIsKept() {
        var ch = Mpsc.<String>unbounded();
        Future<Void> first = ch.sender().send("1");
        Future<Void> second = ch.sender().send("2");
        assertThat(ch.receiver().tryRecv()).isNull(); // nothing happens before a poll
        MockTask.of(first).assertReady();
        MockTask.of(second).assertReady();
        ch.sender().trySend("3");
        assertThat(ch.receiver().len()).isEqualTo(3);
        assertThat(ch.receiver().tryRecv()).isEqualTo("1");
        assertThat(ch.receiver().tryRecv()).isEqualTo("2");
        assertThat(ch.receiver().tryRecv()).isEqualTo("3");
        assertThat(ch.receiver().tryRecv()).isNull();
        assertThat(ch.receiver().len()).isZero();
        ch.sender().close();
    }

    @Test
    void nullMessagesAreRejected() {
        var ch = Mpsc.<String>unbounded();
        assertThatThrownBy(() -> ch.sender().trySend(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("end of the stream");
        assertThatThrownBy(() -> ch.sender().send(null)).isInstanceOf(NullPointerException.class);
        ch.sender().close();
    }

    @Test
    void lastSenderCloseWakesTheReceiverWhichDrainsThenGetsNull() {
        var ch = Mpsc.<String>unbounded();
        var tx2 = ch.sender().newSender();
        ch.sender().trySend("a");
        tx2.trySend("b");
        List<String> got = new ArrayList<>();
        var rx = MockTask.of(drain(ch.receiver(), got));
        rx.assertPending();
        assertThat(got).containsExactly("a", "b");

        ch.sender().close();
        ch.sender().close(); // idempotent: must not count as tx2's close
        assertThat(rx.isWoken()).isFalse();
        assertThat(ch.receiver().isClosed()).isFalse();

        tx2.trySend("c");
        tx2.close();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).containsExactly("a", "b", "c");
        assertThat(ch.receiver().isClosed()).isTrue();
        // The end of the stream is reported again and again.
        assertThat(ch.receiver().pollRecv(new Context(new RecordingWaker())).isReady()).isTrue();
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
    }

    @Test
    void closedSenderCannotBeUsed() {
        var ch = Mpsc.<String>unbounded();
        var tx = ch.sender();
        var keep = tx.newSender();
        tx.close();
        assertThatThrownBy(() -> tx.trySend("x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> tx.send("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tx::newSender).isInstanceOf(IllegalStateException.class);
        var clone = keep.clone();
        assertThat(clone.trySend("y")).isEqualTo(TrySendResult.OK);
        clone.close();
        keep.close();
    }

    @Test
    void receiverCloseFailsSendsButKeepsBufferedMessages() {
        var ch = Mpsc.<String>unbounded();
        ch.sender().trySend("a");
        Future<Void> pendingSend = ch.sender().send("never");
        ch.receiver().close();
        ch.receiver().close(); // idempotent
        assertThat(ch.sender().isClosed()).isTrue();
        assertThat(ch.sender().trySend("b")).isEqualTo(TrySendResult.CLOSED);
        assertThatThrownBy(() -> MockTask.of(pendingSend).poll())
                .isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("receiver was closed");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("a");
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isNull();
        ch.sender().close();
    }

    @Test
    void closeWakesAWaitingReceiverWhichSeesTheEnd() {
        for (var ch : List.of(Mpsc.<String>unbounded(), Mpsc.<String>bounded(2))) {
            var rx = MockTask.of(ch.receiver().recv());
            rx.assertPending();
            ch.receiver().close(); // e.g. from a shutdown hook on another thread
            assertThat(rx.wakeCount()).isEqualTo(1);
            assertThat(rx.assertReady()).isNull();
            ch.sender().close();
        }
    }

    @Test
    void cancelledRecvDoesNotGetWokenAndLosesNothing() {
        var ch = Mpsc.<String>unbounded();
        var rx = MockTask.of(ch.receiver().recv());
        rx.assertPending();
        rx.cancel();
        ch.sender().trySend("a");
        assertThat(rx.wakeCount()).isZero();
        assertThat(MockTask.of(ch.receiver().recv()).assertReady()).isEqualTo("a");
        ch.sender().close();
    }

    @Test
    void recvPolledAfterReadyThrows() {
        var ch = Mpsc.<String>unbounded();
        ch.sender().trySend("a");
        Future<String> f = ch.receiver().recv();
        Context cx = new Context(new RecordingWaker());
        assertThat(f.poll(cx).value()).isEqualTo("a");
        assertThatThrownBy(() -> f.poll(cx)).isInstanceOf(IllegalStateException.class);
        ch.sender().close();
    }

    @Test
    void budgetExhaustionForcesAYieldWithoutLosingTheMessage() {
        var ch = Mpsc.<String>unbounded();
        for (String s : List.of("a", "b", "c", "d", "e")) {
            ch.sender().trySend(s);
        }
        List<String> got = new ArrayList<>();
        var task = MockTask.of(drain(ch.receiver(), got)).withBudget(2);

        task.assertPending();
        assertThat(got).containsExactly("a", "b");
        assertThat(task.wakeCount()).as("the spent budget woke the task itself").isEqualTo(1);
        assertThat(task.forcedYields()).isEqualTo(1);

        task.assertPending();
        assertThat(got).containsExactly("a", "b", "c", "d");
        assertThat(task.wakeCount()).isEqualTo(1);

        task.assertPending(); // "e", then the queue is empty: a real Pending, no self-wake
        assertThat(got).containsExactly("a", "b", "c", "d", "e");
        assertThat(task.wakeCount()).isZero();
        assertThat(task.forcedYields()).isEqualTo(2);

        ch.sender().close();
        assertThat(task.wakeCount()).isEqualTo(1);
        assertThat(task.assertReady()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void zeroBudgetYieldsOnlyWhenAMessageIsReady() {
        var ch = Mpsc.<String>unbounded();
        var rx = MockTask.of(ch.receiver().recv()).withBudget(0);
        rx.assertPending();
        assertThat(rx.isWoken()).as("nothing ready: an ordinary Pending").isFalse();
        ch.sender().trySend("a");
        assertThat(rx.wakeCount()).isEqualTo(1);
        rx.assertPending(); // ready, but no budget: a forced yield
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.forcedYields()).isEqualTo(1);
        assertThat(ch.receiver().len()).isEqualTo(1);
        rx.withBudget(1);
        assertThat(rx.assertReady()).isEqualTo("a");
        ch.sender().close();
    }

    @Test
    void capacityHelpersOfAnUnboundedChannel() {
        var ch = Mpsc.<String>unbounded();
        assertThat(ch.sender().capacity()).isEqualTo(Integer.MAX_VALUE);
        assertThat(ch.sender().maxCapacity()).isEqualTo(Integer.MAX_VALUE);
        assertThat(ch.receiver().len()).isZero();
        ch.sender().close();
    }
}
