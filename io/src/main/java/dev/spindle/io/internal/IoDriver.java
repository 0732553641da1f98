package dev.spindle.io.internal;

import dev.spindle.SpindleRuntime;
import dev.spindle.spi.EventDriver;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The reactor: a {@link Selector} driven by the runtime through the {@link EventDriver} contract, turning
 * readiness into wakes (docs/ARCHITECTURE.md, "The reactor").
 *
 * <h2>Threads</h2>
 * {@link #poll} runs on one thread at a time (the worker owning the driver); it alone touches
 * {@code SelectionKey.interestOps}. Other threads ask for interest through {@link ScheduledIo} records
 * queued on a JCTools MPSC queue, applied before each select, and call {@code Selector.wakeup()} only when
 * the reactor is blocked in select ({@code selecting}, a Dekker pair with the queue).
 *
 * <h2>Level-triggered selector</h2>
 * Java's selector reports a ready channel on every select for as long as it is ready, so interest must not stay
 * in a key that nobody reads. Write interest (OP_WRITE/OP_CONNECT) is kept only while a task waits for it: it is
 * added when a task asks, and removed as soon as the op is reported. Read interest (OP_READ/OP_ACCEPT) stays
 * armed while tasks use it, so a connection that reads, would block and waits again costs no
 * {@code epoll_ctl} and no selector wake-up; it is dropped at the first event that finds nobody waiting and
 * nobody reading ({@link ScheduledIo}, "lazy disarm", which also argues that a ready socket that nobody reads
 * is reported at most twice: select does not return in a loop).
 *
 * <h2>Keys cancelled under our feet</h2>
 * A stream or listener may be closed on another thread at any moment; closing cancels its key, and the JDK then
 * throws {@link CancelledKeyException} (unchecked) from {@code interestOps} and {@code readyOps}, even right
 * after {@code isValid()} said true. Each key operation is guarded for that race: the channel is closed, so its
 * record is (or is about to be) marked CLOSED by the closer ({@link ScheduledIo#markClosed}), and both
 * directions are woken so that waiters see it. The races seen are counted ({@link #cancelledKeyRaces()}).
 * Anything else that fails in {@code poll} (the selector's {@link IOException}) propagates to the runtime,
 * which contains it (see {@link EventDriver}); a waker that throws is contained per waker by
 * {@link ScheduledIo}. A driver polled after {@link #close()} throws rather than return at once: returning at
 * once would make a runtime that still uses it spin.
 */
public final class IoDriver implements EventDriver {
    private static final VarHandle SELECTING;

    static {
        try {
            SELECTING = MethodHandles.lookup().findVarHandle(IoDriver.class, "selecting", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Selector selector;
    private final java.util.function.Consumer<SelectionKey> onSelected = this::onSelected; // one object, reused
    private final MpscUnboundedAtomicArrayQueue<ScheduledIo> interest = new MpscUnboundedAtomicArrayQueue<>(256);
    @SuppressWarnings("unused")
    private volatile boolean selecting;
    private volatile boolean closed;
    /** Key operations that found the key cancelled by a concurrent close; reactor thread writes, others read. */
    private volatile long cancelledKeyRaces;

    public IoDriver() {
        this(openSelector());
    }

    /** A reactor over {@code selector} (tests inject selectors that fail on demand). */
    IoDriver(Selector selector) {
        this.selector = selector;
    }

    private static Selector openSelector() {
        try {
            return Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the reactor's selector", e);
        }
    }

    /**
     * How often a key was found cancelled by a concurrent close between {@code isValid()} and the operation on
     * it (see the class comment). Each one was contained.
     */
    public long cancelledKeyRaces() {
        return cancelledKeyRaces;
    }

    private void countCancelledKeyRace() {
        cancelledKeyRaces = cancelledKeyRaces + 1; // reactor thread only (one poller at a time): no lost update
    }

    /** The reactor of the runtime running the calling task. */
    public static IoDriver current() {
        SpindleRuntime rt = SpindleRuntime.tryCurrent().orElseThrow(() -> new IllegalStateException(
                "Spindle I/O used outside a runtime: poll sockets inside tasks of a SpindleRuntime"));
        return rt.eventDriver().filter(IoDriver.class::isInstance).map(IoDriver.class::cast)
                .orElseThrow(() -> new IllegalStateException("runtime '" + rt.name() + "' was built without I/O"
                        + " (SpindleRuntime.Builder.io(false), or an event driver of its own); build the runtime that"
                        + " runs sockets with SpindleRuntime.builder(), which includes I/O when dev.spindle.io is"
                        + " present"));
    }

    /** Registers {@code channel} (non-blocking) with no interest yet. Any thread. */
    public ScheduledIo register(SelectableChannel channel) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        channel.configureBlocking(false);
        ScheduledIo sio = new ScheduledIo(channel, this);
        sio.key = channel.register(selector, 0, sio);
        return sio;
    }

    void enqueueInterest(ScheduledIo sio) {
        interest.offer(sio); // volatile exchange; then read `selecting` (Dekker with poll)
        if ((boolean) SELECTING.getVolatile(this)) {
            selector.wakeup();
        }
    }

    @Override
    public void poll(long timeoutNanos) {
        if (closed) {
            throw closedError();
        }
        try {
            applyInterest();
            if (timeoutNanos == 0) {
                selector.selectNow(onSelected);
            } else {
                SELECTING.setVolatile(this, true); // then re-check the queue (Dekker with enqueueInterest)
                try {
                    if (!interest.isEmpty()) {
                        applyInterest();
                        selector.selectNow(onSelected);
                    } else if (timeoutNanos < 0) {
                        selector.select(onSelected);
                    } else {
                        selector.select(onSelected, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
                    }
                } finally {
                    SELECTING.setVolatile(this, false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the reactor's selector failed", e);
        } catch (ClosedSelectorException e) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("the I/O driver was closed while a runtime still polls it: a runtime closes"
                + " its own driver after its workers exit, so close only drivers no runtime uses");
    }

    private void applyInterest() {
        for (ScheduledIo sio; (sio = interest.relaxedPoll()) != null; ) {
            int ops = sio.takePendingOps();
            SelectionKey key = sio.key;
            if (ops == 0 || key == null || !key.isValid()) {
                continue;
            }
            int nio = 0;
            if ((ops & ScheduledIo.READABLE) != 0) {
                nio |= key.channel().validOps() & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT);
            }
            if ((ops & ScheduledIo.WRITABLE) != 0) {
                nio |= writeOp(key);
            }
            try {
                int cur = key.interestOps();
                if ((cur | nio) != cur) { // a request that finds its interest still armed changes nothing
                    key.interestOps(cur | nio);
                }
            } catch (CancelledKeyException closedMeanwhile) {
                // Closed on another thread after isValid(): the closer marks the record closed; wake the waiters
                // in case they registered after that (they then see CLOSED), and go on with the other records.
                countCancelledKeyRace();
                sio.setReadiness(ScheduledIo.READABLE | ScheduledIo.WRITABLE);
                continue;
            }
            if ((ops & ScheduledIo.READABLE) != 0) {
                sio.armRead(); // after the interest is in the key: tasks that see it armed stop asking
            }
        }
    }

    /**
     * The op that means "writable" for this key's channel now: OP_CONNECT while a connect is in progress,
     * OP_WRITE otherwise. Never both, and never OP_CONNECT on a connected socket: the JDK maps OP_CONNECT
     * to POLLOUT but reports it only while the connection is pending, so a leftover OP_CONNECT makes epoll
     * return POLLOUT forever with no key selected (a connection that had written once then spun a core).
     */
    private static int writeOp(SelectionKey key) {
        if (key.channel() instanceof SocketChannel sc && sc.isConnectionPending()) {
            return SelectionKey.OP_CONNECT;
        }
        return key.channel().validOps() & SelectionKey.OP_WRITE;
    }

    /**
     * Turns one selected key into readiness bits and wakes, then drops the interest that
     * {@link ScheduledIo#dispatch} says nobody uses any more. Called by the selector for each ready key
     * ({@code select(Consumer)}): unlike iterating {@code selectedKeys()}, that adds nothing to a hash set
     * and makes no iterator, so a select allocates nothing.
     */
    void onSelected(SelectionKey key) {
        ScheduledIo sio = (ScheduledIo) key.attachment();
        try {
            if (!key.isValid()) {
                sio.setReadiness(ScheduledIo.READABLE | ScheduledIo.WRITABLE);
                return;
            }
            int drop = sio.dispatch(readinessBits(key.readyOps()));
            if (drop != 0) {
                // A task woken above may already have asked for interest again: this thread applies that request
                // only after this drop (applyInterest, before the next select), so the request wins.
                dropInterest(key, drop);
            }
        } catch (CancelledKeyException closedMeanwhile) {
            // Closed on another thread after isValid() (see the class comment): wake both directions to see it.
            countCancelledKeyRace();
            sio.setReadiness(ScheduledIo.READABLE | ScheduledIo.WRITABLE);
        }
    }

    private static int readinessBits(int ready) {
        int bits = 0;
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            bits |= ScheduledIo.READABLE;
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            bits |= ScheduledIo.WRITABLE;
        }
        return bits;
    }

    /**
     * Drops every op of the directions given ({@link ScheduledIo} bits), not only the ops reported, so that no
     * op is left behind that the selector would keep polling (OP_CONNECT on a connected socket: see
     * {@link #writeOp}).
     */
    private static void dropInterest(SelectionKey key, int directions) {
        int drop = 0;
        if ((directions & ScheduledIo.READABLE) != 0) {
            drop |= SelectionKey.OP_READ | SelectionKey.OP_ACCEPT;
        }
        if ((directions & ScheduledIo.WRITABLE) != 0) {
            drop |= SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;
        }
        int cur = key.interestOps();
        if ((cur & drop) != 0) {
            key.interestOps(cur & ~drop);
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    /**
     * A registered channel was just closed (any thread). NIO closes the descriptor of a channel registered with a
     * selector only when that selector deregisters its cancelled key, at the start or end of a select: until
     * then a closed listener still completes connections into its backlog, and a closed stream still holds its
     * descriptor. A reactor blocked in select may stay there indefinitely on an idle runtime, so wake it.
     * Dekker with {@link #poll}: the close cancelled the key before this volatile read of {@code selecting}; a
     * reactor that sets {@code selecting} after it deregisters the key in the select it then enters.
     */
    public void channelClosed() {
        if ((boolean) SELECTING.getVolatile(this)) {
            selector.wakeup();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
