package dev.spindle.internal.scheduler;

import dev.spindle.internal.scheduler.Lifecycle.Phase;
import dev.spindle.internal.scheduler.Lifecycle.Transition;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Every transition of the scheduler's {@link Lifecycle}, from every phase, and a race to close. */
class LifecycleTest {

    private static void assertPhase(Lifecycle l, Phase p) {
        assertThat(l.phase()).isEqualTo(p);
        assertThat(l.isClosed()).as("closed in %s", p).isEqualTo(p.compareTo(Phase.CLOSED) >= 0);
        assertThat(l.isCancellingAll()).as("cancelling in %s", p).isEqualTo(p.compareTo(Phase.CANCELLING) >= 0);
        assertThat(l.isTerminating()).as("terminating in %s", p).isEqualTo(p == Phase.TERMINATING);
    }

    @Test
    void startsRunningWithTheDriverEnabled() {
        Lifecycle l = new Lifecycle();
        assertPhase(l, Phase.RUNNING);
        assertThat(l.isDriverDisabled()).isFalse();
    }

    @Test
    void eachTransitionMovesOnceInOrder() {
        Lifecycle l = new Lifecycle();
        assertThat(l.close()).isEqualTo(Transition.MOVED);
        assertPhase(l, Phase.CLOSED);
        assertThat(l.close()).isEqualTo(Transition.ALREADY_THERE);
        assertThat(l.startCancellingAll()).isEqualTo(Transition.MOVED);
        assertPhase(l, Phase.CANCELLING);
        assertThat(l.startCancellingAll()).isEqualTo(Transition.ALREADY_THERE);
        assertThat(l.terminate()).isEqualTo(Transition.MOVED);
        assertPhase(l, Phase.TERMINATING);
        assertThat(l.terminate()).isEqualTo(Transition.ALREADY_THERE);
    }

    @Test
    void aLaterPhaseImpliesTheEarlierOnesAndNothingMovesBack() {
        Lifecycle l = new Lifecycle();
        assertThat(l.startCancellingAll()).isEqualTo(Transition.MOVED); // cancelAll without a close first
        assertPhase(l, Phase.CANCELLING);
        assertThat(l.close()).isEqualTo(Transition.ALREADY_THERE);
        assertPhase(l, Phase.CANCELLING);

        Lifecycle t = new Lifecycle();
        assertThat(t.terminate()).isEqualTo(Transition.MOVED);
        assertPhase(t, Phase.TERMINATING);
        assertThat(t.close()).isEqualTo(Transition.ALREADY_THERE);
        assertThat(t.startCancellingAll()).isEqualTo(Transition.ALREADY_THERE);
        assertPhase(t, Phase.TERMINATING);
    }

    @Test
    void disablingTheDriverIsAFlagBesideThePhaseInEveryPhase() {
        for (Phase p : Phase.values()) {
            Lifecycle l = new Lifecycle();
            switch (p) {
                case RUNNING -> { }
                case CLOSED -> l.close();
                case CANCELLING -> l.startCancellingAll();
                case TERMINATING -> l.terminate();
            }
            assertThat(l.disableDriver()).as("in %s", p).isEqualTo(Transition.MOVED);
            assertThat(l.disableDriver()).as("again in %s", p).isEqualTo(Transition.ALREADY_THERE);
            assertThat(l.isDriverDisabled()).isTrue();
            assertPhase(l, p);
        }
        Lifecycle l = new Lifecycle();
        l.disableDriver();
        l.close();
        l.terminate();
        assertThat(l.isDriverDisabled()).as("the phase moving keeps the flag").isTrue();
        assertPhase(l, Phase.TERMINATING);
    }

    @Test
    void ofThreadsRacingToCloseExactlyOneMovesIt() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            Lifecycle l = new Lifecycle();
            int threads = 4;
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger moved = new AtomicInteger();
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                boolean disable = i == 0;
                ts[i] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (disable) {
                        l.disableDriver(); // races with the phase CASes: neither may lose the other
                    }
                    if (l.close() == Transition.MOVED) {
                        moved.incrementAndGet();
                    }
                });
                ts[i].start();
            }
            start.countDown();
            for (Thread t : ts) {
                t.join();
            }
            assertThat(moved.get()).as("round %d", round).isEqualTo(1);
            assertPhase(l, Phase.CLOSED);
            assertThat(l.isDriverDisabled()).isTrue();
        }
    }
}
