package dev.spindle.io.internal;

import dev.spindle.Context;
import dev.spindle.Waker;
import dev.spindle.spi.EventDriver;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * The readiness record of one registered channel (after Tokio's {@code scheduled_io.rs}).
 *
 * <h2>State</h2>
 * {@code readiness} packs the ready bits (READABLE, WRITABLE, CLOSED) in its low byte and a tick in the rest.
 * The reactor sets bits and advances the tick on every event; an operation that would block clears the bits
 * of its direction <em>only if the tick is still the one it saw</em> ({@link #clearReadiness}), so clearing
 * never erases an event that arrived after the failed attempt. One waker slot per direction.
 *
 * <h2>Protocol: try the operation first, clear only on would-block</h2>
 * <pre>
 *   ev = pollReady(cx, dir)       // ready bits set? return them with the tick; else store the waker,
 *                                 // ask the reactor for interest, re-check, Pending
 *   n = channel.read/write(..)
 *   if would-block: clearReadiness(dir, ev) and poll again (which registers the waker)
 * </pre>
 *
 * <h2>Memory ordering</h2>
 * {@code readiness}, the waker slots and {@code pendingOps} are accessed through VarHandles with volatile
 * (sequentially consistent) modes. A task stores its waker, then re-reads {@code readiness}; the reactor sets
 * {@code readiness}, then takes the waker (getAndSet): one of them sees the other (Dekker), so no wake is lost.
 * Interest requests set bits in {@code pendingOps}; the one that finds it 0 enqueues this record for the
 * reactor thread, which applies {@code getAndSet(pendingOps, 0)} to the key: no allocation per request.
 */
public final class ScheduledIo {
    public static final int READABLE = 1;
    public static final int WRITABLE = 2;
    public static final int CLOSED = 4;
    private static final int BITS = 0xff;
    private static final int TICK_SHIFT = 8;

    private static final VarHandle READINESS;
    private static final VarHandle READER;
    private static final VarHandle WRITER;
    private static final VarHandle PENDING_OPS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READINESS = l.findVarHandle(ScheduledIo.class, "readiness", long.class);
            READER = l.findVarHandle(ScheduledIo.class, "reader", Waker.class);
            WRITER = l.findVarHandle(ScheduledIo.class, "writer", Waker.class);
            PENDING_OPS = l.findVarHandle(ScheduledIo.class, "pendingOps", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SelectableChannel channel;
    final IoDriver driver;
    SelectionKey key; // written once at registration, before any interest request is enqueued

    @SuppressWarnings("unused")
    private volatile long readiness;
    @SuppressWarnings("unused")
    private volatile Waker reader;
    @SuppressWarnings("unused")
    private volatile Waker writer;
    @SuppressWarnings("unused")
    private volatile int pendingOps;

    ScheduledIo(SelectableChannel channel, IoDriver driver) {
        this.channel = channel;
        this.driver = driver;
    }

    /** A readiness observation: the direction's bits and the tick they were seen at; -1 means Pending. */
    public static boolean isPending(long event) {
        return event == -1;
    }

    /**
     * Returns the readiness event for {@code direction} (READABLE or WRITABLE) if ready or closed; else
     * registers {@code cx.waker()}, requests interest, and returns -1 (Pending).
     */
    public long pollReady(Context cx, int direction) {
        long r = (long) READINESS.getVolatile(this);
        if ((r & (direction | CLOSED)) != 0) {
            return r;
        }
        VarHandle slot = direction == READABLE ? READER : WRITER;
        Waker w = cx.waker();
        Waker cur = (Waker) slot.getVolatile(this);
        if (cur == null || !cur.willWake(w)) {
            slot.setVolatile(this, w); // then the re-check below (Dekker with setReadiness)
        }
        requestInterest(direction);
        r = (long) READINESS.getVolatile(this);
        if ((r & (direction | CLOSED)) != 0) {
            return r;
        }
        return -1;
    }

    /** Whether {@code event} includes CLOSED (the stream was closed locally). */
    public static boolean isClosed(long event) {
        return (event & CLOSED) != 0;
    }

    /** Clears {@code direction}'s bit if the tick is still {@code event}'s. */
    public void clearReadiness(long event, int direction) {
        for (;;) {
            long cur = (long) READINESS.getVolatile(this);
            if ((cur >>> TICK_SHIFT) != (event >>> TICK_SHIFT)) {
                return; // a newer event arrived: keep it
            }
            if (READINESS.compareAndSet(this, cur, cur & ~(long) direction)) {
                return;
            }
        }
    }

    /**
     * Marks directions ready without a selector event, for a socket that has just connected: it is writable
     * (its send buffer is empty) and may already hold data (a client usually sends at once). The first
     * operation then tries the system call straight away; only if it would block does it clear the bit and
     * ask the reactor for interest. That saves a selector round trip (interest change, select, wake) on the
     * first read and the first write of every connection, and costs at most one failed read.
     */
    public void assumeReady(int bits) {
        setReadiness(bits & (READABLE | WRITABLE)); // nobody waits yet, so this wakes nobody
    }

    /** Reactor thread (or close): sets bits, advances the tick, wakes the waiters of those directions. */
    void setReadiness(int bits) {
        for (;;) {
            long cur = (long) READINESS.getVolatile(this);
            long tick = (cur >>> TICK_SHIFT) + 1;
            long next = (tick << TICK_SHIFT) | ((cur | bits) & BITS);
            if (READINESS.compareAndSet(this, cur, next)) {
                break;
            }
        }
        if ((bits & (READABLE | CLOSED)) != 0) {
            wake((Waker) READER.getAndSet(this, (Waker) null)); // volatile; pairs with the store in pollReady
        }
        if ((bits & (WRITABLE | CLOSED)) != 0) {
            wake((Waker) WRITER.getAndSet(this, (Waker) null));
        }
    }

    /**
     * Wakes one direction's waiter. A waker that throws must not cost the other direction, or the other keys of
     * the same select, their wakes: it is reported to the runtime and dispatch goes on.
     */
    private static void wake(Waker w) {
        if (w == null) {
            return;
        }
        try {
            w.wake();
        } catch (Throwable failure) {
            EventDriver.reportWakerFailure("dispatching I/O readiness", failure);
        }
    }

    private void requestInterest(int direction) {
        int prev = (int) PENDING_OPS.getAndBitwiseOr(this, direction); // volatile
        if (prev == 0) { // not queued yet: queue it; otherwise the reactor takes our bit with the others
            driver.enqueueInterest(this);
        }
    }

    /** Reactor thread: the interest bits requested since the last call. */
    int takePendingOps() {
        return (int) PENDING_OPS.getAndSet(this, 0);
    }

    /**
     * After the channel was closed: marks the record closed and wakes both directions (their next poll fails with
     * "closed"), and has the reactor release the descriptor now ({@link IoDriver#channelClosed}).
     */
    public void markClosed() {
        setReadiness(CLOSED);
        driver.channelClosed();
    }

    public SelectableChannel channel() {
        return channel;
    }
}
