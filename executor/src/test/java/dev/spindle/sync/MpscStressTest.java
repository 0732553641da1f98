package dev.spindle.sync;

import dev.spindle.Future;
import dev.spindle.Poll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real threads: producers and one consumer that parks when the channel is empty, woken only through the
 * channel's waker. Checks exactly-once, per-producer order, and the end of the stream. A lost wake-up makes
 * {@link ThreadWaker#park} fail; the timeouts are generous bounds, not the verdict.
 */
@Tag("stress")
@Timeout(60)
class MpscStressTest {
    private static final int PRODUCERS = 4;

    /** Messages encode (producer, sequence) so the consumer can check order and completeness. */
    private static long msg(int producer, int seq) {
        return ((long) producer << 32) | seq;
    }

    /** Receives until the end of the stream, checking per-producer order; returns the count per producer. */
    private static int[] consume(Mpsc.Receiver<Long> rx, int budget) {
        ThreadWaker w = new ThreadWaker(budget);
        int[] next = new int[PRODUCERS];
        while (true) {
            Poll<Long> p = rx.pollRecv(w.fresh());
            if (p.isPending()) {
                w.park();
                continue;
            }
            Long m = p.value();
            if (m == null) {
                return next;
            }
            int producer = (int) (m >>> 32);
            int seq = (int) (long) m;
            if (seq != next[producer]) {
                throw new AssertionError("producer " + producer + ": expected #" + next[producer] + ", got #" + seq);
            }
            next[producer]++;
        }
    }

    private static List<Thread> start(int n, String name, ThrowingIntConsumer body, AtomicReference<Throwable> failure) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    body.accept(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name + "-" + i);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    @FunctionalInterface
    private interface ThrowingIntConsumer {
        void accept(int value) throws Exception;
    }

    @Test
    void unboundedManyProducersExactlyOnceInOrder() throws Exception {
        int perProducer = 100_000;
        var ch = Mpsc.<Long>unbounded();
        List<Mpsc.Sender<Long>> senders = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            senders.add(ch.sender().newSender());
        }
        ch.sender().close();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producers = start(PRODUCERS, "mpsc-producer", id -> {
            Mpsc.Sender<Long> tx = senders.get(id);
            for (int s = 0; s < perProducer; s++) {
                if (tx.trySend(msg(id, s)) != TrySendResult.OK) {
                    throw new AssertionError("unbounded trySend failed");
                }
            }
            tx.close();
        }, failure);
        int[] got = consume(ch.receiver(), -1);
        for (Thread t : producers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(got).containsOnly(perProducer);
    }

    @Test
    void boundedBackpressureWithBudgetedConsumer() throws Exception {
        int perProducer = 50_000;
        var ch = Mpsc.<Long>bounded(64);
        List<Mpsc.Sender<Long>> senders = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            senders.add(ch.sender().newSender());
        }
        ch.sender().close();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producers = start(PRODUCERS, "mpsc-bounded-producer", id -> {
            ThreadWaker w = new ThreadWaker(-1);
            Mpsc.Sender<Long> tx = senders.get(id);
            for (int s = 0; s < perProducer; s++) {
                w.await(tx.send(msg(id, s)));
            }
            tx.close();
        }, failure);
        int[] got = consume(ch.receiver(), 32);
        for (Thread t : producers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(got).containsOnly(perProducer);
        assertThat(ch.sender().capacity()).isEqualTo(64);
    }

    /**
     * Producers poll a send once and, when it has to wait, cancel it half of the time and start again (as a
     * lost {@code select} would). A cancelled send must give back any permit it was granted: otherwise the
     * channel's capacity shrinks until everybody waits forever.
     */
    @Test
    void cancelledSendsNeverLeakPermits() throws Exception {
        int perProducer = 30_000;
        int capacity = 4;
        var ch = Mpsc.<Long>bounded(capacity);
        List<Mpsc.Sender<Long>> senders = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            senders.add(ch.sender().newSender());
        }
        ch.sender().close();
        AtomicLong cancels = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producers = start(PRODUCERS, "mpsc-cancel-producer", id -> {
            ThreadWaker w = new ThreadWaker(-1);
            SplittableRandom rnd = new SplittableRandom(id);
            Mpsc.Sender<Long> tx = senders.get(id);
            for (int s = 0; s < perProducer; s++) {
                Future<Void> f = tx.send(msg(id, s));
                while (true) {
                    if (w.poll(f).isReady()) {
                        break;
                    }
                    if (rnd.nextBoolean()) {
                        f.cancel();
                        cancels.incrementAndGet();
                        f = tx.send(msg(id, s));
                        continue;
                    }
                    w.park();
                }
            }
            tx.close();
        }, failure);
        int[] got = consume(ch.receiver(), -1);
        for (Thread t : producers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(got).containsOnly(perProducer);
        assertThat(ch.sender().capacity()).isEqualTo(capacity);
        assertThat(cancels.get()).as("the test exercised cancellation").isPositive();
    }

    /**
     * The receiver closes while producers are sending. Every send that reported OK must still be received
     * before the end of the stream; every later one must report CLOSED.
     */
    @Test
    void receiverCloseRaceLosesNothingThatWasAccepted() throws Exception {
        for (boolean bounded : new boolean[] {false, true}) {
            var ch = bounded ? Mpsc.<Long>bounded(128) : Mpsc.<Long>unbounded();
            AtomicLong accepted = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> producers = start(PRODUCERS, "mpsc-close-producer", id -> {
                Mpsc.Sender<Long> tx = ch.sender();
                for (int s = 0; s < 200_000; s++) {
                    TrySendResult r = tx.trySend(msg(id, s));
                    switch (r) {
                        case OK -> accepted.incrementAndGet();
                        case FULL -> Thread.yield(); // two shared cores: let the consumer run
                        case CLOSED -> {
                            return;
                        }
                    }
                }
            }, failure);
            ThreadWaker w = new ThreadWaker(-1);
            long received = 0;
            while (received < 20_000) {
                Poll<Long> p = ch.receiver().pollRecv(w.fresh());
                if (p.isPending()) {
                    w.park();
                } else {
                    received++;
                }
            }
            ch.receiver().close();
            while (true) {
                Poll<Long> p = ch.receiver().pollRecv(w.fresh());
                if (p.isPending()) {
                    w.park();
                } else if (p.value() == null) {
                    break;
                } else {
                    received++;
                }
            }
            for (Thread t : producers) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(received).as("bounded=" + bounded).isEqualTo(accepted.get());
            ch.sender().close();
        }
    }
}
