package dev.spindle.io.internal;

import dev.spindle.testkit.RecordingWaker;
import dev.spindle.Context;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import static dev.spindle.testkit.ModelChecks.check;
import static dev.spindle.testkit.ModelChecks.join;

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
 *   <li>Lazy disarm of read interest: a task that reads the last data, would block, clears readiness and waits
 *       again, racing the reactor that reports the same (level-triggered) readiness once more with nobody
 *       waiting and drops read interest unless the event was used. Here the selector has one {@link ModelKey}
 *       over a modelled socket (a "readable" flag), and the real {@code applyInterest}/{@code onSelected} run on
 *       it. Afterwards the peer sends more data: a task left Pending must be woken by it (its waker taken
 *       by a report, or its interest (re)requested), and data that nobody reads must be reported at most twice
 *       (no busy loop).</li>
 * </ul>
 * Not covered: {@code channelClosed}'s Dekker pair with the key cancellation inside the JDK's select, and
 * anything that needs a real selector.
 */
@Timeout(120)
class IoDriverModelCheckTest {
    private static final int INVOCATIONS = 400;

    /**
     * A selector that follows the wakeup contract (see class doc), with no keys or with one {@link ModelKey}
     * ({@link #key}), which {@code selectNow} reports while its interest holds OP_READ and {@link #readable} is
     * set: a level-triggered socket.
     */
    static final class StubSelector extends Selector {
        final AtomicBoolean wakeupPending = new AtomicBoolean();
        final AtomicInteger selects = new AtomicInteger();
        /** The modelled socket holds unread data. */
        final AtomicBoolean readable = new AtomicBoolean();
        /** Times {@link #key} was reported. */
        final AtomicInteger reports = new AtomicInteger();
        volatile ModelKey key;
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
            ModelKey k = key;
            if (k != null && (k.interestOps() & SelectionKey.OP_READ) != 0 && readable.get()) {
                k.readyOps = SelectionKey.OP_READ;
                reports.incrementAndGet();
                action.accept(k);
                return 1;
            }
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

    /** A valid key of a {@link ModelChannel} whose interest and ready sets are plain fields. */
    static final class ModelKey extends SelectionKey {
        final ModelChannel channel = new ModelChannel();
        volatile int interestOps;
        volatile int readyOps;

        @Override
        public SelectableChannel channel() {
            return channel;
        }

        @Override
        public Selector selector() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public void cancel() {
        }

        @Override
        public int interestOps() {
            return interestOps;
        }

        @Override
        public SelectionKey interestOps(int ops) {
            interestOps = ops;
            return this;
        }

        @Override
        public int readyOps() {
            return readyOps;
        }
    }

    /** A channel that is only something to have valid ops (read and write, like a socket that is connected). */
    static final class ModelChannel extends SelectableChannel {
        @Override
        public SelectorProvider provider() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int validOps() {
            return SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        }

        @Override
        public boolean isRegistered() {
            return true;
        }

        @Override
        public SelectionKey keyFor(Selector sel) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SelectionKey register(Selector sel, int ops, Object att) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SelectableChannel configureBlocking(boolean block) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isBlocking() {
            return false;
        }

        @Override
        public Object blockingLock() {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() {
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
            RecordingWaker waker = new RecordingWaker();
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
            RecordingWaker waker = new RecordingWaker();
            long[] ev = new long[1];
            Thread task = new Thread(() -> ev[0] = sio.pollReady(new Context(waker), ScheduledIo.READABLE));
            Thread reactor = new Thread(() -> sio.setReadiness(ScheduledIo.READABLE));
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            boolean sawReady = !ScheduledIo.isPending(ev[0]);
            check(sawReady || waker.wakeCount() == 1,
                    "lost wake: pollReady returned Pending and the waker was woken " + waker.wakeCount() + " times");
            check(waker.wakeCount() <= 1, "woken " + waker.wakeCount() + " times by one event");
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
            RecordingWaker waker = new RecordingWaker();
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
                check(!ScheduledIo.isPending(ev[1]) || waker.wakeCount() == 1,
                        "the event after the observed tick was erased: second poll Pending, wakes " + waker.wakeCount());
            }
        });
    }

    /** What one poll of the modelled {@code TcpStream.pollRead} returned. */
    private static final int DATA = 1;
    private static final int PENDING = 2;
    private static final int SPUN = 3;

    /**
     * {@code TcpStream.pollRead} over the modelled socket: poll readiness; read (take the data, if any); if that
     * would block, clear the readiness seen and poll again. Returns DATA or PENDING. Each retry follows a newer
     * event, of which this model has at most two, so more than three rounds is a spin (SPUN). Results are
     * checked by the main thread: an assertion thrown in a racing thread would only end that thread.
     */
    private static int read(ScheduledIo sio, Context cx, AtomicBoolean readable) {
        for (int round = 0; round < 4; round++) {
            long ev = sio.pollReady(cx, ScheduledIo.READABLE);
            if (ScheduledIo.isPending(ev)) {
                return PENDING;
            }
            if (readable.getAndSet(false)) {
                return DATA;
            }
            sio.clearReadiness(ev, ScheduledIo.READABLE); // the read would block
        }
        return SPUN; // readiness kept coming back with nothing to read
    }

    /** A driver over a {@link StubSelector} holding one {@link ModelKey} for {@code sio}'s channel. */
    private static ScheduledIo modelSocket(StubSelector selector, IoDriver driver) {
        ModelKey key = new ModelKey();
        ScheduledIo sio = new ScheduledIo(null, driver);
        key.attach(sio);
        sio.key = key;
        selector.key = key;
        return sio;
    }

    /**
     * The task after the race, run as the executor would run it: while it was woken since its last poll, or its
     * last poll returned data (an echo reads again), it polls again. Returns its last result; sets
     * {@code wakes[0]} to the waker's count just before that last poll.
     */
    private static int runWhileWoken(ScheduledIo sio, Context cx, StubSelector selector, RecordingWaker waker,
                                     int last, int[] wakes) {
        while (last == DATA || waker.wakeCount() > wakes[0]) {
            wakes[0] = waker.wakeCount();
            last = read(sio, cx, selector.readable);
            check(last != SPUN, "pollRead spun");
        }
        return last;
    }

    /**
     * The peer sends more data and nobody reads it (the task is not run again): a task whose last poll was
     * Pending must be woken, and the key must be reported at most twice (to a waiter, then once more with
     * nobody waiting, which drops the interest); never in a loop.
     */
    private static void checkWokenAndNoBusyLoop(StubSelector selector, IoDriver driver, ScheduledIo sio,
                                                RecordingWaker waker, int lastRead, int wakesBeforeLastRead) {
        selector.readable.set(true);
        int reportsBefore = selector.reports.get();
        for (int i = 0; i < 6; i++) {
            driver.poll(0);
        }
        if (lastRead == PENDING) {
            check(waker.wakeCount() > wakesBeforeLastRead, "lost wake: the task went Pending, new data arrived and"
                    + " it was not woken (read interest " + (sio.readArmed() ? "armed" : "not armed")
                    + ", key interest " + selector.key.interestOps + ", requested ops " + pendingOps(sio) + ")");
        }
        int reports = selector.reports.get() - reportsBefore;
        check(reports <= 2, "busy loop: unread data reported " + reports + " times in 6 selects");
    }

    /**
     * Lazy disarm racing drain-and-rewait. Before the race: the task waited, the reactor armed read interest,
     * data came, the reactor woke the task and kept the interest armed. Race: the task reads the data, reads
     * again (would block), clears readiness and waits again, while the reactor selects twice; since the data is
     * unread until the task takes it, the reactor may report it again with nobody waiting and try to disarm (or
     * report it after the task took it: epoll's answer is stale by the time it is dispatched). After the race
     * the task runs while it was woken; then new data must wake it if its last poll was Pending, and unread data
     * must not be reported in a loop.
     */
    @Test
    void lazyDisarmRacingDrainAndRewait() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            StubSelector selector = new StubSelector();
            IoDriver driver = new IoDriver(selector);
            ScheduledIo sio = modelSocket(selector, driver);
            RecordingWaker waker = new RecordingWaker();
            Context cx = new Context(waker);
            check(read(sio, cx, selector.readable) == PENDING, "nothing to read yet");
            driver.poll(0); // applies the request: read interest armed
            check(sio.readArmed(), "the applied request arms read interest");
            selector.readable.set(true);
            driver.poll(0); // reports the data to the waiting task, which is woken; interest stays armed
            check(waker.wakeCount() == 1 && sio.readArmed(), "woken, interest kept");
            // The waker slot is empty now: any wake during the race took the waker stored by the second read.
            int[] wakes = {waker.wakeCount()};
            int[] reads = new int[2];
            Thread task = new Thread(() -> {
                reads[0] = read(sio, cx, selector.readable); // takes the data
                reads[1] = read(sio, cx, selector.readable); // would block: clear, wait again
            });
            Thread reactor = new Thread(() -> {
                driver.poll(0);
                driver.poll(0);
            });
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            check(reads[0] == DATA, "the data is there: " + reads[0]);
            check(reads[1] == PENDING, "nothing more to read: " + reads[1]);
            int last = runWhileWoken(sio, cx, selector, waker, reads[1], wakes);
            checkWokenAndNoBusyLoop(selector, driver, sio, waker, last, wakes[0]);
        });
    }

    /**
     * A task waiting for the first time (its poll stores the waker and requests interest) while data is already
     * there and the reactor applies requests and selects: the request, its application (arming) and the report
     * in any order. Afterwards, as above: the task runs while woken, then new data must wake it, without a loop.
     */
    @Test
    void firstWaitRacingApplyAndReport() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            StubSelector selector = new StubSelector();
            IoDriver driver = new IoDriver(selector);
            ScheduledIo sio = modelSocket(selector, driver);
            RecordingWaker waker = new RecordingWaker();
            Context cx = new Context(waker);
            selector.readable.set(true); // the peer has sent data; nothing is ready for the reactor yet
            int[] first = new int[1];
            Thread task = new Thread(() -> first[0] = read(sio, cx, selector.readable));
            Thread reactor = new Thread(() -> {
                driver.poll(0);
                driver.poll(0);
            });
            task.start();
            reactor.start();
            join(task);
            join(reactor);
            check(first[0] == PENDING, "readiness before any interest was applied: " + first[0]);
            int[] wakes = {0};
            int last = runWhileWoken(sio, cx, selector, waker, first[0], wakes);
            checkWokenAndNoBusyLoop(selector, driver, sio, waker, last, wakes[0]);
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
}
