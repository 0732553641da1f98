package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.testkit.RecordingWaker;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.spindle.testkit.ModelChecks.check;
import static dev.spindle.testkit.ModelChecks.join;

/**
 * Model checks of the wake-up handshakes with Lincheck's general-purpose model checker: for the interleavings
 * it explores, "a poll returned Pending, then the other side made progress" must end with the waker woken (no
 * lost wake-up), and notifications and permits must be neither lost nor duplicated. Each check races two
 * threads on a fresh channel and then inspects the result on the main thread.
 */
@Tag("model")
@Timeout(120)
class SyncModelCheckTest {
    private static final int INVOCATIONS = 200;

    @Test
    void oneshotSendRacingRegistration() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var ch = Oneshot.<Integer>channel();
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            @SuppressWarnings("unchecked")
            Poll<Integer>[] first = new Poll[1];
            Thread rx = new Thread(() -> first[0] = ch.receiver().poll(cx));
            Thread tx = new Thread(() -> ch.sender().send(7));
            run(rx, tx);
            if (first[0].isReady()) {
                check(first[0].value() == 7, "wrong value " + first[0].value());
            } else {
                check(w.wakeCount() == 1, "Pending, then send, but the receiver was woken " + w.wakeCount() + " times");
                check(ch.receiver().poll(cx).value() == 7, "value lost");
            }
        });
    }

    @Test
    void oneshotReceiverCloseRacingClosedFuture() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var ch = Oneshot.<Integer>channel();
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            Future<Void> closed = ch.sender().closed();
            boolean[] ready = new boolean[1];
            Thread tx = new Thread(() -> ready[0] = closed.poll(cx).isReady());
            Thread rx = new Thread(() -> ch.receiver().close());
            run(tx, rx);
            check(ready[0] || w.wakeCount() == 1, "closed() returned Pending and was never woken");
            check(ready[0] || closed.poll(cx).isReady(), "closed() not ready after the receiver closed");
        });
    }

    @Test
    void mpscSendRacingRegistration() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var ch = Mpsc.<Integer>unbounded();
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            @SuppressWarnings("unchecked")
            Poll<Integer>[] first = new Poll[1];
            Thread rx = new Thread(() -> first[0] = ch.receiver().pollRecv(cx));
            Thread tx = new Thread(() -> ch.sender().trySend(1));
            run(rx, tx);
            if (first[0].isReady()) {
                check(first[0].value() == 1, "wrong message");
            } else {
                check(w.wakeCount() >= 1, "Pending, then a send, but the receiver was never woken");
                check(ch.receiver().pollRecv(cx).value() == 1, "message lost");
            }
            ch.sender().close();
        });
    }

    @Test
    void mpscLastSenderCloseRacingRegistration() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var ch = Mpsc.<Integer>bounded(2);
            ch.sender().trySend(1);
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            @SuppressWarnings("unchecked")
            Poll<Integer>[] polls = new Poll[2];
            Thread rx = new Thread(() -> {
                polls[0] = ch.receiver().pollRecv(cx); // the buffered message
                polls[1] = ch.receiver().pollRecv(cx); // Pending, or the end if the close came first
            });
            Thread tx = new Thread(() -> ch.sender().close());
            run(rx, tx);
            check(polls[0].isReady() && polls[0].value() == 1, "buffered message lost");
            Poll<Integer> end = polls[1];
            if (end.isPending()) {
                check(w.wakeCount() >= 1, "Pending, then the last sender closed, but the receiver was never woken");
                end = ch.receiver().pollRecv(cx);
            }
            check(end.isReady() && end.value() == null, "end of stream not seen after the last sender closed");
        });
    }

    @Test
    void mpscCancelledSenderHoldingAPermitReleasesIt() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var ch = Mpsc.<Integer>bounded(1);
            ch.sender().trySend(0);
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            Future<Void> send = ch.sender().send(1);
            boolean[] sent = new boolean[1];
            Thread tx = new Thread(() -> {
                sent[0] = send.poll(cx).isReady();
                if (!sent[0]) {
                    send.cancel();
                }
            });
            Thread rx = new Thread(() -> ch.receiver().tryRecv());
            run(tx, rx);
            if (sent[0]) {
                Integer m = ch.receiver().tryRecv();
                check(m != null && m == 1, "sent message missing: " + m);
            }
            check(ch.sender().capacity() == 1, "a permit leaked: capacity " + ch.sender().capacity());
            ch.sender().close();
        });
    }

    @Test
    void notifyOneRacingRegistration() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var n = new Notify();
            RecordingWaker w = new RecordingWaker();
            Context cx = new Context(w);
            Notify.Notified f = n.notified();
            boolean[] ready = new boolean[1];
            Thread waiter = new Thread(() -> ready[0] = f.poll(cx).isReady());
            Thread notifier = new Thread(n::notifyOne);
            run(waiter, notifier);
            if (!ready[0]) {
                check(w.wakeCount() == 1, "Pending, then notifyOne, but woken " + w.wakeCount() + " times");
                check(f.poll(cx).isReady(), "notification lost");
            }
        });
    }

    @Test
    void notifyOneIsNeitherLostNorDuplicatedWhenTheChosenWaiterCancels() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            var n = new Notify();
            RecordingWaker w1 = new RecordingWaker();
            RecordingWaker w2 = new RecordingWaker();
            Notify.Notified f1 = n.notified();
            Notify.Notified f2 = n.notified();
            boolean[] ready = new boolean[2];
            Thread a = new Thread(() -> {
                ready[0] = f1.poll(new Context(w1)).isReady();
                if (!ready[0]) {
                    f1.cancel(); // like losing a select: must forward a notification it was picked for
                }
            });
            Thread b = new Thread(() -> ready[1] = f2.poll(new Context(w2)).isReady());
            Thread c = new Thread(n::notifyOne);
            a.start();
            b.start();
            c.start();
            join(a);
            join(b);
            join(c);
            int delivered = (ready[0] ? 1 : 0) + (ready[1] ? 1 : 0);
            if (!ready[1] && w2.wakeCount() > 0) {
                check(f2.poll(new Context(w2)).isReady(), "f2 woken but not ready");
                delivered++;
            }
            Notify.Notified probe = n.notified();
            if (probe.poll(new Context(new RecordingWaker())).isReady()) {
                delivered++; // the notification went back to the permit
            } else {
                probe.cancel();
            }
            check(delivered == 1, "one notifyOne was delivered " + delivered + " times");
        });
    }

    private static void run(Thread a, Thread b) {
        a.start();
        b.start();
        join(a);
        join(b);
    }
}
