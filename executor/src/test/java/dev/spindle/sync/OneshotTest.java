package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Waker;
import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.RecordingWaker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OneshotTest {

    @Test
    void sendBeforeFirstPollIsReadyAtOnce() {
        var ch = Oneshot.<String>channel();
        assertThat(ch.sender().send("hi")).isTrue();
        var rx = MockTask.of(ch.receiver());
        assertThat(rx.assertReady()).isEqualTo("hi");
        assertThat(rx.wakeCount()).isZero();
    }

    @Test
    void sendAfterRegistrationWakesOnce() {
        var ch = Oneshot.<String>channel();
        var rx = MockTask.of(ch.receiver());
        rx.assertPending();
        assertThat(rx.isWoken()).isFalse();
        assertThat(ch.sender().send("hi")).isTrue();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("hi");
    }

    @Test
    void repollWithSameWakerKeepsRegistration() {
        var ch = Oneshot.<String>channel();
        var rx = MockTask.of(ch.receiver());
        rx.assertPending();
        rx.assertPending();
        rx.assertPending();
        ch.sender().send("x");
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("x");
    }

    @Test
    void repollWithEquivalentWakerDoesNotReRegister() {
        var ch = Oneshot.<String>channel();
        RecordingWaker first = new RecordingWaker();
        RecordingWaker second = new RecordingWaker();
        // A waker that claims to wake the same task as `first`: the receiver must keep `first`.
        Waker sameTask = new Waker() {
            @Override
            public void wake() {
                second.wake();
            }
        };
        Waker firstSaysSame = new Waker() {
            @Override
            public void wake() {
                first.wake();
            }

            @Override
            public boolean willWake(Waker other) {
                return other == this || other == sameTask;
            }
        };
        assertThat(ch.receiver().poll(new Context(firstSaysSame)).isPending()).isTrue();
        assertThat(ch.receiver().poll(new Context(sameTask)).isPending()).isTrue();
        ch.sender().send("v");
        assertThat(first.wakeCount()).isEqualTo(1);
        assertThat(second.wakeCount()).isZero();
    }

    @Test
    void repollWithOtherWakerReplacesIt() {
        var ch = Oneshot.<String>channel();
        RecordingWaker a = new RecordingWaker();
        RecordingWaker b = new RecordingWaker();
        assertThat(ch.receiver().poll(new Context(a)).isPending()).isTrue();
        assertThat(ch.receiver().poll(new Context(b)).isPending()).isTrue();
        ch.sender().send("v");
        assertThat(a.wakeCount()).isZero();
        assertThat(b.wakeCount()).isEqualTo(1);
        assertThat(ch.receiver().poll(new Context(b)).value()).isEqualTo("v");
    }

    @Test
    void senderCloseWithoutSendingFailsTheWaitingReceiver() {
        var ch = Oneshot.<String>channel();
        var rx = MockTask.of(ch.receiver());
        rx.assertPending();
        ch.sender().close();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThatThrownBy(rx::poll)
                .isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("sender was closed without sending");
    }

    @Test
    void senderCloseBeforeFirstPollFailsTheReceiver() {
        var ch = Oneshot.<String>channel();
        ch.sender().close();
        ch.sender().close(); // idempotent
        var rx = MockTask.of(ch.receiver());
        assertThatThrownBy(rx::poll).isInstanceOf(ChannelClosedException.class);
        assertThat(rx.wakeCount()).isZero();
    }

    @Test
    void secondSendThrows() {
        var ch = Oneshot.<String>channel();
        assertThat(ch.sender().send("a")).isTrue();
        assertThatThrownBy(() -> ch.sender().send("b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exactly one value");
        assertThat(MockTask.of(ch.receiver()).assertReady()).isEqualTo("a");
    }

    @Test
    void sendAfterCloseThrowsAndCloseAfterSendIsANoop() {
        var closedFirst = Oneshot.<String>channel();
        closedFirst.sender().close();
        assertThatThrownBy(() -> closedFirst.sender().send("a")).isInstanceOf(IllegalStateException.class);

        var sentFirst = Oneshot.<String>channel();
        var rx = MockTask.of(sentFirst.receiver());
        rx.assertPending();
        sentFirst.sender().send("a");
        sentFirst.sender().close();
        assertThat(rx.wakeCount()).isEqualTo(1);
        assertThat(rx.assertReady()).isEqualTo("a");
    }

    @Test
    void nullValueIsRejected() {
        var ch = Oneshot.<String>channel();
        assertThatThrownBy(() -> ch.sender().send(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("must not be null");
        assertThat(ch.sender().send("still usable")).isTrue();
    }

    @Test
    void receiverCloseMakesSendFailAndCompletesClosed() {
        var ch = Oneshot.<String>channel();
        var closed = MockTask.of(ch.sender().closed());
        closed.assertPending();
        assertThat(ch.sender().isClosed()).isFalse();
        ch.receiver().close();
        assertThat(closed.wakeCount()).isEqualTo(1);
        closed.assertReady();
        assertThat(ch.sender().isClosed()).isTrue();
        assertThat(ch.sender().send("lost")).isFalse();
        assertThatThrownBy(() -> ch.sender().send("again")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> MockTask.of(ch.receiver()).poll())
                .isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("receiver was closed");
    }

    @Test
    void cancellingTheWaitingReceiverClosesIt() {
        var ch = Oneshot.<String>channel();
        var rx = MockTask.of(ch.receiver());
        var closed = MockTask.of(ch.sender().closed());
        rx.assertPending();
        closed.assertPending();
        rx.cancel();
        assertThat(closed.wakeCount()).isEqualTo(1);
        assertThat(ch.sender().isClosed()).isTrue();
        assertThat(ch.sender().send("nobody listens")).isFalse();
        assertThat(rx.wakeCount()).isZero();
    }

    @Test
    void closedIsReadyAtOnceWhenReceiverAlreadyClosed() {
        var ch = Oneshot.<String>channel();
        ch.receiver().close();
        MockTask.of(ch.sender().closed()).assertReady();
    }

    @Test
    void cancelledClosedFutureIsNotWoken() {
        var ch = Oneshot.<String>channel();
        var closed = MockTask.of(ch.sender().closed());
        closed.assertPending();
        closed.cancel();
        ch.receiver().close();
        assertThat(closed.wakeCount()).isZero();
        // A new closed() future still works.
        MockTask.of(ch.sender().closed()).assertReady();
    }

    @Test
    void closedRepollWithSameWakerWakesOnce() {
        var ch = Oneshot.<String>channel();
        var closed = MockTask.of(ch.sender().closed());
        closed.assertPending();
        closed.assertPending();
        ch.receiver().close();
        ch.receiver().close(); // idempotent: no second wake
        assertThat(closed.wakeCount()).isEqualTo(1);
    }

    @Test
    void tryReceiveTransitions() {
        var ch = Oneshot.<String>channel();
        assertThat(ch.receiver().tryReceive()).isNull();
        ch.sender().send("v");
        assertThat(ch.receiver().tryReceive()).isEqualTo("v");
        assertThatThrownBy(() -> ch.receiver().tryReceive()).isInstanceOf(IllegalStateException.class);

        var closed = Oneshot.<String>channel();
        closed.sender().close();
        assertThatThrownBy(() -> closed.receiver().tryReceive()).isInstanceOf(ChannelClosedException.class);
    }

    @Test
    void valueSentBeforeReceiverCloseIsStillReceivable() {
        var ch = Oneshot.<String>channel();
        assertThat(ch.sender().send("kept")).isTrue();
        ch.receiver().close();
        assertThat(ch.receiver().tryReceive()).isEqualTo("kept");
    }

    @Test
    void pollAfterReadyThrows() {
        var ch = Oneshot.<String>channel();
        ch.sender().send("v");
        Future<String> rx = ch.receiver();
        Context cx = new Context(Waker.noop());
        assertThat(rx.poll(cx).value()).isEqualTo("v");
        assertThatThrownBy(() -> rx.poll(cx))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("polled after it completed");
    }

    @Test
    void pollAfterFailureThrowsIllegalState() {
        var ch = Oneshot.<String>channel();
        ch.sender().close();
        Context cx = new Context(Waker.noop());
        assertThatThrownBy(() -> ch.receiver().poll(cx)).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(() -> ch.receiver().poll(cx)).isInstanceOf(IllegalStateException.class);
    }
}
