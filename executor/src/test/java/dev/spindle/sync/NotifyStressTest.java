package dev.spindle.sync;

import dev.spindle.Poll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Real threads; a lost notification shows up as a hang, which {@link ThreadWaker#park} turns into a failure. */
@Tag("stress")
@Timeout(30)
class NotifyStressTest {

    @Test
    void pingPongBetweenTwoThreads() throws Exception {
        int rounds = 50_000;
        var ping = new Notify();
        var pong = new Notify();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                ThreadWaker w = new ThreadWaker(-1);
                for (int i = 0; i < rounds; i++) {
                    w.await(ping.notified());
                    pong.notifyOne();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "notify-pong");
        other.start();
        ThreadWaker w = new ThreadWaker(-1);
        for (int i = 0; i < rounds; i++) {
            ping.notifyOne();
            w.await(pong.notified());
        }
        other.join();
        assertThat(failure.get()).isNull();
    }

    /**
     * Tokens are produced one by one, each followed by notifyOne. Two consumers wait for notifications and
     * drain all tokens after each; while waiting they randomly cancel their future and start a new one without
     * re-checking the tokens. If a cancelled future that notifyOne had picked did not pass the notification on,
     * the last tokens would never be drained.
     */
    @Test
    void cancelledNotificationsAreForwardedUnderContention() throws Exception {
        int tokensTotal = 100_000;
        var notify = new Notify();
        AtomicInteger tokens = new AtomicInteger();
        AtomicInteger consumed = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();

        Runnable consumer = () -> {
            try {
                ThreadWaker w = new ThreadWaker(-1);
                SplittableRandom rnd = new SplittableRandom(Thread.currentThread().threadId());
                while (true) {
                    Notify.Notified f = notify.notified(); // created before the check: see the end condition
                    if (consumed.get() == tokensTotal) {
                        return;
                    }
                    while (true) {
                        Poll<Void> p = w.poll(f);
                        if (p.isReady()) {
                            break;
                        }
                        if (rnd.nextInt(3) == 0) {
                            f.cancel();
                            f = notify.notified();
                            if (consumed.get() == tokensTotal) {
                                return;
                            }
                            continue;
                        }
                        w.park();
                    }
                    for (int t; (t = tokens.get()) > 0; ) {
                        if (tokens.compareAndSet(t, t - 1) && consumed.incrementAndGet() == tokensTotal) {
                            notify.notifyWaiters(); // release the other consumer
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        Thread c1 = new Thread(consumer, "notify-consumer-1");
        Thread c2 = new Thread(consumer, "notify-consumer-2");
        c1.start();
        c2.start();
        for (int i = 0; i < tokensTotal; i++) {
            tokens.incrementAndGet();
            notify.notifyOne();
        }
        c1.join();
        c2.join();
        assertThat(failure.get()).isNull();
        assertThat(consumed.get()).isEqualTo(tokensTotal);
        assertThat(tokens.get()).isZero();
    }
}
