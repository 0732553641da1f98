package dev.spindle.sync;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Real threads racing registration against send and close; a lost wake-up fails {@link ThreadWaker#park}. */
@Tag("stress")
@Timeout(30)
class OneshotStressTest {
    private static final int CHANNELS = 20_000;

    @Test
    void sendAndCloseRaceWithRegistration() throws Exception {
        @SuppressWarnings("unchecked")
        Oneshot.Channel<Integer>[] chs = new Oneshot.Channel[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            chs[i] = Oneshot.channel();
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < CHANNELS; i++) {
                    if (i % 7 == 0) {
                        chs[i].sender().close();
                    } else {
                        assertThat(chs[i].sender().send(i)).isTrue();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "oneshot-sender");
        sender.start();

        ThreadWaker waker = new ThreadWaker(-1);
        int received = 0;
        int failed = 0;
        for (int i = 0; i < CHANNELS; i++) {
            try {
                assertThat(waker.await(chs[i].receiver())).isEqualTo(i);
                received++;
            } catch (ChannelClosedException e) {
                assertThat(i % 7).isZero();
                failed++;
            }
        }
        sender.join();
        assertThat(failure.get()).isNull();
        assertThat(failed).isEqualTo((CHANNELS + 6) / 7);
        assertThat(received + failed).isEqualTo(CHANNELS);
    }

    @Test
    void receiverCloseRacesWithClosedFutureAndSend() throws Exception {
        @SuppressWarnings("unchecked")
        Oneshot.Channel<Integer>[] chs = new Oneshot.Channel[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            chs[i] = Oneshot.channel();
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                for (int i = 0; i < CHANNELS; i++) {
                    chs[i].receiver().close();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "oneshot-closer");
        closer.start();

        ThreadWaker waker = new ThreadWaker(-1);
        for (int i = 0; i < CHANNELS; i++) {
            waker.await(chs[i].sender().closed());
            assertThat(chs[i].sender().send(i)).isFalse();
        }
        closer.join();
        assertThat(failure.get()).isNull();
    }
}
