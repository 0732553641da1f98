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
 * {@code readiness} packs the ready bits (READABLE, WRITABLE, CLOSED) and {@code READ_ARMED} in its low byte and a
 * tick in the rest. The reactor sets ready bits and advances the tick on every event; an operation that would
 * block clears the bits of its direction <em>only if the tick is still the one it saw</em> ({@link
 * #clearReadiness}), so clearing never erases an event that arrived after the failed attempt. One waker slot per
 * direction.
 *
 * <h2>Protocol: try the operation first, clear only on would-block</h2>
 * <pre>
 *   ev = pollReady(cx, dir)       // ready bits set? return them with the tick; else store the waker,
 *                                 // re-check, ask the reactor for interest unless it is armed, Pending
 *   n = channel.read/write(..)
 *   if would-block: clearReadiness(dir, ev) and poll again (which registers the waker)
 * </pre>
 *
 * <h2>Read interest stays armed while it is used (lazy disarm)</h2>
 * Java's selector is level-triggered: a readable socket with read interest is reported by every select until it
 * is drained. Dropping read interest after every event (and adding it again at the next would-block) cost an
 * {@code epoll_ctl} per request, and a selector wake-up (an eventfd write and read) whenever the reactor was
 * blocked in select. Interest is now dropped only when an event finds nobody waiting and nobody has used it:
 * <ul>
 *   <li>{@code READ_ARMED} is set exactly while the key's interest holds OP_READ/OP_ACCEPT. Only the reactor
 *       thread changes it, together with {@code interestOps}: it sets it after adding the interest a task asked
 *       for ({@link #armRead}), and clears it when it drops that interest ({@link #dispatch}).</li>
 *   <li>On a reported read event the reactor sets READABLE (tick t), then takes the reader's waker
 *       (getAndSet null). A waker was there: it is woken and interest stays armed, for the read-until-would-block
 *       that follows. Nobody was there: the reactor clears READ_ARMED by CAS <em>only if READABLE is still set and
 *       the tick is still t</em> (nobody consumed this event), and then drops the interest. If the CAS finds
 *       READABLE cleared at tick t, a task has read this socket until it would block since the event, and has
 *       stored (or is about to store) its waker: interest stays armed, and the next event reports to that waker.
 *       </li>
 *   <li>A task in {@link #pollReady}, after storing its waker, re-reads the word: ready: it returns the event;
 *       READ_ARMED: Pending with no request (no queueing, no selector wake-up); else it asks for interest as
 *       before.</li>
 * </ul>
 * Writes keep dropping interest on every event: a socket is almost always writable, so interest left armed
 * after a write wait would be reported again at once with nobody waiting (an extra select return for every wait
 * on a full send buffer, to save an {@code epoll_ctl} only in the rare back-to-back waits). It also keeps
 * OP_CONNECT from ever outliving the connect (see {@code IoDriver.writeOp}).
 *
 * <h2>Why no wake is lost</h2>
 * All accesses to the word and to the waker slot are sequentially consistent, and a task stores its waker
 * ({@code s}) before it re-reads the word ({@code r}); the reactor sets READABLE ({@code e}) before it takes the
 * waker ({@code g}), and disarms ({@code d}) only after {@code g}. A task that returns Pending saw at {@code r}
 * neither READABLE nor CLOSED:
 * <ul>
 *   <li>It also saw READ_ARMED clear: it requests interest, which the reactor applies ({@code a > r}) before
 *       its next select. A dispatch is never interleaved with an application, so no disarm of an earlier event
 *       can follow {@code a}; every later event has {@code g > a > s} and takes the waker (the protocol before
 *       lazy disarm, unchanged).</li>
 *   <li>It saw READ_ARMED set: the key holds read interest, and keeps it until a dispatch takes the waker.
 *       Interest is dropped only by a dispatch that took no waker ({@code g < s}, so {@code e < r}) and then
 *       finds READABLE still set at its own tick. But that READABLE, set before {@code r} and seen clear at
 *       {@code r}, was cleared in between at that very tick (a clear by an older tick fails, and no newer event
 *       is dispatched before this dispatch ends): the disarm CAS fails. So the next event's dispatch
 *       ({@code g > e > r > s}) finds the waker, or a newer one of the same task, and wakes it.</li>
 *   <li>The closer sets CLOSED (tick + 1) before it takes both wakers, whatever the armed state.</li>
 * </ul>
 *
 * <h2>Why the reactor does not spin</h2>
 * A key is reported only while READ_ARMED is set, and each report with nobody waiting disarms it unless a task
 * cleared READABLE at that report's tick. Such a clear follows a read that would block, so the socket had
 * nothing left after that event: the next report needs new data, and the clearing task stored a waker before it
 * went Pending (the protocol above), which that report wakes. A waker is stored only when READABLE is clear, so
 * while unread data keeps the socket readable no new waker can appear: data that nobody reads is reported at
 * most twice (once to a waker that is then gone, if any, and once more to find nobody and disarm) before read
 * interest is dropped, and never again until a task asks.
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
    /** Read interest is in the key (reactor thread writes it, with {@code interestOps}; see the class comment). */
    static final int READ_ARMED = 8;
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
     * registers {@code cx.waker()}, requests interest unless read interest is still armed, and returns -1
     * (Pending).
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
            slot.setVolatile(this, w); // then the re-read below (Dekker with dispatch/setReadiness: set, then take)
        }
        r = (long) READINESS.getVolatile(this); // volatile; after the waker store (see "Why no wake is lost")
        if ((r & (direction | CLOSED)) != 0) {
            return r;
        }
        if (direction == READABLE && (r & READ_ARMED) != 0) {
            // Interest is in the key, and a disarm that could still remove it would have to find READABLE set
            // at its event's tick, which we just saw clear: the next event takes the waker stored above.
            return -1;
        }
        requestInterest(direction);
        return -1; // a readiness set after the re-read took the waker stored before it
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
            // volatile CAS; clears the direction's ready bit only (READ_ARMED stays: the reactor owns it). A clear
            // at the tick of an event the reactor is dispatching makes its disarm CAS fail (see disarmRead).
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
        advance(bits);
        if ((bits & (READABLE | CLOSED)) != 0) {
            wake((Waker) READER.getAndSet(this, (Waker) null)); // volatile; pairs with the store in pollReady
        }
        if ((bits & (WRITABLE | CLOSED)) != 0) {
            wake((Waker) WRITER.getAndSet(this, (Waker) null));
        }
    }

    /** Sets {@code bits}, advances the tick (keeping READ_ARMED as it is) and returns the new word. */
    private long advance(int bits) {
        for (;;) {
            long cur = (long) READINESS.getVolatile(this);
            long tick = (cur >>> TICK_SHIFT) + 1;
            long next = (tick << TICK_SHIFT) | ((cur | bits) & BITS);
            if (READINESS.compareAndSet(this, cur, next)) { // volatile; before the waker takes that follow
                return next;
            }
        }
    }

    /**
     * Reactor thread, after it added read interest to the key: records that it is armed. Set after
     * {@code interestOps} so that a task never relies on interest the key does not hold; a task that reads the
     * word before this asks again, and the reactor's second application changes nothing.
     */
    void armRead() {
        READINESS.getAndBitwiseOr(this, (long) READ_ARMED); // volatile; pairs with the re-read in pollReady
    }

    /**
     * Reactor thread: the selector reported {@code bits} (READABLE and/or WRITABLE) for this key. Sets them
     * (tick + 1), wakes the waiters, and returns the directions whose interest the reactor must now remove from
     * the key: WRITABLE whenever it fired; READABLE only when nobody waited and nobody used the event (lazy
     * disarm, see the class comment).
     */
    int dispatch(int bits) {
        long event = advance(bits);
        int drop = bits & WRITABLE;
        if ((bits & READABLE) != 0) {
            Waker r = (Waker) READER.getAndSet(this, (Waker) null); // volatile; after advance (Dekker, pollReady)
            if (r != null) {
                wake(r); // keep read interest: the woken task reads until would-block and waits again
            } else if (disarmRead(event)) {
                drop |= READABLE;
            }
        }
        if ((bits & WRITABLE) != 0) {
            wake((Waker) WRITER.getAndSet(this, (Waker) null));
        }
        return drop;
    }

    /**
     * Clears READ_ARMED if READABLE is still set at {@code event}'s tick: nobody has consumed the event, so no task
     * can be relying on the armed interest (one that re-reads the word now sees READABLE, or after this CAS
     * sees READ_ARMED clear and asks). Fails, keeping interest armed, if a task cleared READABLE at this tick
     * (it read until would-block and waits or will wait with READ_ARMED seen set) or the tick moved (closed).
     */
    private boolean disarmRead(long event) {
        for (;;) {
            long cur = (long) READINESS.getVolatile(this);
            if ((cur >>> TICK_SHIFT) != (event >>> TICK_SHIFT) || (cur & READABLE) == 0) {
                return false;
            }
            // volatile CAS; pairs with clearReadiness's CAS (same word) and the re-read in pollReady
            if (READINESS.compareAndSet(this, cur, cur & ~(long) READ_ARMED)) {
                return true;
            }
        }
    }

    /** Whether read interest is armed (tests). */
    boolean readArmed() {
        return ((long) READINESS.getVolatile(this) & READ_ARMED) != 0;
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
