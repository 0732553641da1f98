package dev.spindle.io.internal;

import dev.spindle.Context;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Lincheck model checks of the reactor handshakes, through the real {@link IoDriver} and {@link ScheduledIo}.
 * A real {@link Selector} cannot run inside Lincheck's model checker (a blocking {@code select} is native
 * code the checker cannot switch out of), so the driver is built over {@link StubSelector} (through the
 * package-private {@code IoDriver(Selector)} constructor) that follows {@code Selector}'s wakeup contract:
 * {@code wakeup()} makes the current or the next select return. Its blocking {@code select} returns at once
 * if a wakeup is pending; otherwise it "blocks" by waiting until the racing thread has finished, and counts as
 * blocked forever unless a wakeup arrived by then.
 *
 * <ul>
 *   <li>Conditional {@code Selector.wakeup()}: {@code enqueueInterest} (offer, then read {@code selecting})
 *       racing {@code poll(-1)} (set {@code selecting}, then re-check the queue): the interest request is
 *       applied before the reactor blocks, or the reactor is woken.</li>
 *   <li>{@code pollReady} (store the waker, then re-read readiness) racing {@code setReadiness} (set the bits,
 *       then take the waker): the task sees the readiness or its waker is woken.</li>
 *   <li>{@code clearReadiness} by tick: an event that arrives after the observation being cleared is never
 *       erased.</li>
 * </ul>
 * Not covered: the selection keys themselves (interestOps, {@code onSelected}), {@code channelClosed}'s
 * Dekker pair with the key cancellation inside the JDK's select, and anything that needs a real selector.
 */
@Timeout(120)
class IoDriverModelCheckTest {
    private static final int INVOCATIONS = 400;

    /** A selector with no keys that follows the wakeup contract (see class doc). */
    static final class StubSelector extends Selector {
        final AtomicBoolean wakeupPending = new AtomicBoolean();
        final AtomicInteger selects = new AtomicInteger();
        volatile Thread racer;
        volatile boolean blockedForever;
        volatile boolean interestPendingWhenBlocked;
        volatile ScheduledIo watched;

        @Override
        public int select(Consumer<SelectionKey> action) {
            selects.incrementAndGet();
            if (wakeupPending.getAndSet(false)) {
                return 0;
            }
            join(racer); // blocks: only the racer can wake it
            if (!wakeupPending.getAndSet(false)) {
                blockedForever = true;
                interestPendingWhenBlocked = pendingOps(watched) != 0;
            }
            return 0;
        }

        @Override
        public int select(Consumer<SelectionKey> action, long timeout) {
            return select(action);
        }

        @Override
        public int selectNow(Consumer<SelectionKey> action) {
            selects.incrementAndGet();
            wakeupPending.set(false); // a selectNow clears a pending wakeup, as the JDK's does
            return 0;
        }

        @Override
        public Selector wakeup() {
            wakeupPending.set(true);
            return this;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public SelectorProvider provider() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<SelectionKey> keys() {
            return Set.of();
        }

        @Override
        public Set<SelectionKey> selectedKeys() {
            return Set.of();
        }

        @Override
        public int selectNow() {
            return selectNow(k -> { });
        }

        @Override
        public int select(long timeout) {
            return select(k -> { });
        }

        @Override
        public int select() {
            return select(k -> { });
        }

        @Override
        public void close() {
        }
    }

    /** A waker that counts its wakes. */
    static final class CountingWaker implements dev.spindle.Waker {
        final AtomicInteger wakes = new AtomicInteger();

        @Override
        public void wake() {
            wakes.incrementAndGet();
        }
    }

    /** A task asks for read interest (pollReady: store waker, enqueueInterest) while the reactor polls(-1). */
    @Test
    void interestRequestRacingBlockingPoll() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            StubSelector selector = new StubSelector();
            IoDriver driver = new IoDriver(selector);
            ScheduledIo sio = new ScheduledIo(null, driver); // no key: applyInterest takes the ops and skips it
            selector.watched = sio;
            CountingWaker waker = new CountingWaker();
            long[] ev = new long[1];
            Thread task = new Thread(() -> ev[0] = sio.pollReady(new Context(waker), ScheduledIo.READABLE));
            selector.racer = task;
            Thread reactor = new Thread(() -> driver.poll(-1));
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            check(ScheduledIo.isPending(ev[0]), "nothing is ready");
            check(!(selector.blockedForever && selector.interestPendingWhenBlocked),
                    "the reactor blocked in select with the interest request unapplied and no wakeup");
        });
    }

    /** pollReady racing the reactor's setReadiness: the task sees the readiness or its waker is woken. */
    @Test
    void pollReadyRacingSetReadiness() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            IoDriver driver = new IoDriver(new StubSelector());
            ScheduledIo sio = new ScheduledIo(null, driver);
            CountingWaker waker = new CountingWaker();
            long[] ev = new long[1];
            Thread task = new Thread(() -> ev[0] = sio.pollReady(new Context(waker), ScheduledIo.READABLE));
            Thread reactor = new Thread(() -> sio.setReadiness(ScheduledIo.READABLE));
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            boolean sawReady = !ScheduledIo.isPending(ev[0]);
            check(sawReady || waker.wakes.get() == 1,
                    "lost wake: pollReady returned Pending and the waker was woken " + waker.wakes + " times");
            check(waker.wakes.get() <= 1, "woken " + waker.wakes + " times by one event");
        });
    }

    /**
     * A task saw readable (tick 1), its read would block, and it clears by that tick while the reactor
     * reports a new event; then it polls again. If the new event came after the observation, it must not be
     * erased: the second poll sees it or the waker is woken.
     */
    @Test
    void clearReadinessKeepsNewerEvent() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            IoDriver driver = new IoDriver(new StubSelector());
            ScheduledIo sio = new ScheduledIo(null, driver);
            sio.assumeReady(ScheduledIo.READABLE); // tick 1, readable
            CountingWaker waker = new CountingWaker();
            long[] ev = new long[2];
            Thread task = new Thread(() -> {
                Context cx = new Context(waker);
                ev[0] = sio.pollReady(cx, ScheduledIo.READABLE);
                sio.clearReadiness(ev[0], ScheduledIo.READABLE); // the read would block
                ev[1] = sio.pollReady(cx, ScheduledIo.READABLE);
            });
            Thread reactor = new Thread(() -> sio.setReadiness(ScheduledIo.READABLE)); // tick 2
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            check(!ScheduledIo.isPending(ev[0]), "readable from the start");
            boolean eventAfterObservation = (ev[0] >>> 8) == 1;
            if (eventAfterObservation) {
                check(!ScheduledIo.isPending(ev[1]) || waker.wakes.get() == 1,
                        "the event after the observed tick was erased: second poll Pending, wakes " + waker.wakes);
            }
        });
    }

    private static int pendingOps(ScheduledIo sio) {
        try {
            Field f = ScheduledIo.class.getDeclaredField("pendingOps");
            f.setAccessible(true);
            return f.getInt(sio);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Plain check: Lincheck's instrumentation calls equals() on objects, which AssertJ assertions refuse. */
    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
