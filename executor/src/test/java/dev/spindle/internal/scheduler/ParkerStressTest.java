package dev.spindle.internal.scheduler;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real threads: an owner parks (no timeout) once per round; another thread unparks once per round. Both start
 * a round when the previous park has returned and then spin a random while, so the unpark lands before the
 * park, inside its state transitions, or while it is blocked. A lost unpark leaves the owner blocked forever,
 * which the watchdog reports. Complements {@link ParkerModelCheckTest}, whose model checker cannot see a
 * missing {@code LockSupport.unpark}.
 */
@Tag("stress")
@Timeout(30)
class ParkerStressTest {
    private static final long BUDGET_NANOS = 2_000_000_000L;

    private static void spin(int n) {
        for (; n > 0; n--) {
            Thread.onSpinWait();
        }
    }

    @Test
    void everyRoundsUnparkWakesThePark() throws Exception {
        AtomicLong completed = new AtomicLong(); // rounds whose park returned
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Parker> parkerRef = new AtomicReference<>();
        long stopAt = System.nanoTime() + BUDGET_NANOS;
        Thread owner = new Thread(() -> {
            try {
                Parker p = parkerRef.get();
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (long r = 1; System.nanoTime() < stopAt; r++) {
                    spin(rnd.nextInt(16));
                    assertThat(p.park(0)).isTrue();
                    completed.set(r);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                done.set(true);
            }
        }, "parker-owner");
        parkerRef.set(new Parker(owner));
        Thread unparker = new Thread(() -> {
            Parker p = parkerRef.get();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (long r = 1; ; r++) {
                while (completed.get() < r - 1) { // one unpark per park: the previous one was consumed
                    if (done.get()) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                spin(rnd.nextInt(16));
                p.unpark();
            }
        }, "parker-unparker");
        owner.start();
        unparker.start();
        owner.join(BUDGET_NANOS / 1_000_000 + 10_000);
        assertThat(owner.isAlive())
                .as("owner stuck in park after %d rounds: lost unpark", completed.get())
                .isFalse();
        unparker.join(10_000);
        assertThat(failure.get()).isNull();
        assertThat(completed.get()).isGreaterThan(100);
        System.out.println("Parker stress: " + completed.get() + " park/unpark rounds");
    }
}
