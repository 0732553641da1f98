package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.internal.util.IntrusiveList;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared state of one {@link Mpsc} channel, bounded or unbounded; {@link Mpsc.Sender} and
 * {@link Mpsc.Receiver} are views of it. Modelled on Tokio's {@code sync/mpsc/chan.rs} with its semaphores.
 *
 * <h2>Fields and owners</h2>
 * <ul>
 *   <li>{@code queue}: a JCTools MPSC queue from {@code org.jctools.queues.atomic} (no {@code Unsafe}, so no
 *       warning on JDK 24+). Any thread offers; only the receiver polls. The queue's own indices give the
 *       happens-before edge from an offer to the poll that returns that message.</li>
 *   <li>{@code state}: one {@code long}: {@code RX_CLOSED}, {@code TX_CLOSED} (all senders closed), {@code WAITERS}
 *       (bounded: the waiting-sender list is non-empty) and a count from bit 3 up. Bounded: the count is the
 *       number of <em>free permits</em> (slots), {@code capacity} when idle. Unbounded: the count is the number
 *       of <em>messages in flight</em> (reserved by a sender and not yet taken by the receiver), 0 when idle.
 *       Keeping the close bits in the same word as the count is what makes closing exact: a sender reserves
 *       with one RMW that also reads the close bits, so every reservation either sees the channel closed (and
 *       sends nothing) or is counted before the close; the receiver returns "end of stream" only when it sees
 *       a close bit <em>and</em> an idle count, so no reserved message can still arrive.</li>
 *   <li>{@code txCount}: live senders. The sender whose decrement reaches 0 sets {@code TX_CLOSED}.</li>
 *   <li>{@code rxWaker}: the receiver's single waker slot ({@link AtomicWaker}).</li>
 *   <li>Bounded only: {@code lock} guards the FIFO of waiting {@link MpscSendFuture}s ({@code waiters}, an
 *       {@link IntrusiveList} of the futures themselves: their links, wakers and status writes) and every change of the {@code WAITERS} bit.
 *       Invariant under the lock: {@code WAITERS} is set iff the list is non-empty, and while it is set the
 *       permit count is 0. A freed permit therefore goes to the head waiter (FIFO, no barging): the lock-free
 *       release only adds to the count while {@code WAITERS} is clear; otherwise it takes the lock and hands
 *       the permit over.</li>
 * </ul>
 *
 * <h2>Send (a message's trip)</h2>
 * <ol>
 *   <li>Reserve. Bounded: CAS the count down by one unless closed or 0 ({@code FULL}). Unbounded:
 *       {@code getAndAdd} one; if the result shows a close bit, undo and report {@code CLOSED} (and wake the
 *       receiver, which may have seen the transient count).</li>
 *   <li>{@code queue.offer}. Cannot fail: a bounded queue's ring is at least {@code capacity} long and each
 *       message in it holds a permit.</li>
 *   <li>{@code rxWaker.wake()}: its volatile RMW orders the offer before any later registration.</li>
 * </ol>
 *
 * <h2>Receive</h2>
 * Poll the queue; on a message, release its reservation (bounded: give the permit back or to the head
 * waiter; unbounded: decrement) and return it. On empty: if a close bit is set and the count is idle, the
 * stream has ended ({@code null}). Otherwise register the waker, then check again (the "register, then
 * re-check" pattern; see {@link AtomicWaker} for why the pair cannot lose a wake-up), else {@code Pending}.
 *
 * <h2>Close</h2>
 * Receiver: OR {@code RX_CLOSED}; new reservations fail; the receiver's waker is woken (close may come from
 * another thread); bounded waiters are failed (status {@code CLOSED}) and woken. Messages already reserved
 * still arrive and are drained by later receives, which then return {@code null}. Last sender: OR
 * {@code TX_CLOSED} and wake the receiver; it drains, then gets {@code null}.
 *
 * @param <T> the message type
 */
final class MpscChan<T> {
    static final long RX_CLOSED = 1;
    static final long TX_CLOSED = 1 << 1;
    static final long CLOSED = RX_CLOSED | TX_CLOSED;
    static final long WAITERS = 1 << 2;
    static final int COUNT_SHIFT = 3;
    static final long COUNT_UNIT = 1L << COUNT_SHIFT;

    /**
     * Largest bounded capacity. The ring of a bounded channel is allocated up front (rounded up to a power of
     * two); beyond 2^28 slots an unbounded channel is the better tool.
     */
    static final int MAX_CAPACITY = 1 << 28;

    /**
     * Chunk length of an unbounded channel's queue: it allocates one array of this size per this many
     * messages, and an idle channel holds one. 128 references (about 0.5 KiB with compressed oops) amortise
     * the allocation to a few bytes per message while keeping an idle channel small; Tokio's block is 32.
     */
    static final int UNBOUNDED_CHUNK = 128;

    private static final VarHandle STATE;
    private static final VarHandle TX_COUNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(MpscChan.class, "state", long.class);
            TX_COUNT = l.findVarHandle(MpscChan.class, "txCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Typed as {@link Queue}: only {@code org.jctools.queues.atomic} classes are ever used here. */
    private final Queue<T> queue;
    /** Bounded: the number of slots; unbounded: 0. */
    final int capacity;
    final boolean bounded;
    @SuppressWarnings("unused")
    private long state;
    @SuppressWarnings("unused")
    private int txCount = 1;
    final AtomicWaker rxWaker = new AtomicWaker();
    /** Bounded only; see the class comment. */
    final ReentrantLock lock;
    /** Bounded only: the senders waiting for a slot, oldest first; guarded by {@link #lock}. */
    private final IntrusiveList<MpscSendFuture<T>> waiters;

    private MpscChan(int capacity) {
        this.capacity = capacity;
        this.bounded = capacity > 0;
        if (bounded) {
            queue = new MpscAtomicArrayQueue<>(Math.max(2, capacity));
            lock = new ReentrantLock();
            waiters = new IntrusiveList<>();
            // Plain: the channel reaches other threads only through a hand-off, itself a happens-before edge.
            state = capacity * COUNT_UNIT;
        } else {
            queue = new MpscUnboundedAtomicArrayQueue<>(UNBOUNDED_CHUNK);
            lock = null;
            waiters = null;
        }
    }

    static <T> MpscChan<T> bounded(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("Mpsc.bounded: capacity must be between 1 and " + MAX_CAPACITY
                    + ", was " + capacity + " (use Mpsc.unbounded() for no limit)");
        }
        return new MpscChan<>(capacity);
    }

    static <T> MpscChan<T> unbounded() {
        return new MpscChan<>(0);
    }

    /** The state word, read volatile (for the error of a send future that found the channel closed). */
    long stateWord() {
        return (long) STATE.getVolatile(this);
    }

    /**
     * {@code state |= bits}, returning the previous word; a volatile RMW. A CAS loop rather than
     * {@code getAndBitwiseOr}: the JDK implements that as a CAS loop too (x86 has no fetch-or returning the
     * old value), and Lincheck 3.7's model checker sees {@code compareAndExchange} but not the bitwise VarHandle
     * operations.
     */
    private long getAndOrState(long bits) {
        long s = (long) STATE.getVolatile(this);
        while (true) {
            long witness = (long) STATE.compareAndExchange(this, s, s | bits);
            if (witness == s) {
                return s;
            }
            s = witness;
        }
    }

    /** {@code state &= mask}, returning the previous word; a volatile RMW (a CAS loop, see above). */
    private long getAndAndState(long mask) {
        long s = (long) STATE.getVolatile(this);
        while (true) {
            long witness = (long) STATE.compareAndExchange(this, s, s & mask);
            if (witness == s) {
                return s;
            }
            s = witness;
        }
    }

    private static long count(long s) {
        return s >>> COUNT_SHIFT;
    }

    private boolean isIdle(long s) {
        return count(s) == (bounded ? capacity : 0);
    }

    // ---- senders ----

    /** Adds a sender. The caller holds a live sender, so the count is at least 1 unless it races its own close. */
    void addSender() {
        int c = (int) TX_COUNT.getVolatile(this); // volatile: pairs with the decrements in dropSender
        while (true) {
            if (c == 0) {
                throw new IllegalStateException(
                        "Mpsc.Sender.newSender: every sender of this channel was closed; a closed channel cannot get new senders");
            }
            int witness = (int) TX_COUNT.compareAndExchange(this, c, c + 1);
            if (witness == c) {
                return;
            }
            c = witness;
        }
    }

    /** Removes a sender; the last one closes the channel for sending and wakes the receiver. */
    void dropSender() {
        // Volatile RMW: the decrements form one release sequence, so the last one happens-after every sender's
        // earlier sends; the OR below publishes that to the receiver's volatile load of state.
        if ((int) TX_COUNT.getAndAdd(this, -1) == 1) {
            getAndOrState(TX_CLOSED); // pairs with the receiver's volatile load that sees TX_CLOSED
            rxWaker.wake();
        }
    }

    /** Reserves room for one message without waiting. */
    TrySendResult reserve() {
        if (bounded) {
            long s = (long) STATE.getVolatile(this); // volatile: pairs with the permit release CAS / close OR
            while (true) {
                if ((s & CLOSED) != 0) {
                    return TrySendResult.CLOSED;
                }
                if (count(s) == 0) {
                    return TrySendResult.FULL;
                }
                // Volatile CAS. Acquire half: pairs with the receiver's release of this permit, which followed
                // its queue.poll, so the ring slot is seen free by the offer that follows.
                long witness = (long) STATE.compareAndExchange(this, s, s - COUNT_UNIT);
                if (witness == s) {
                    return TrySendResult.OK;
                }
                s = witness;
            }
        }
        // One volatile RMW on the fast path. Pairs with the receiver's volatile load in its end-of-stream check
        // and with the close ORs: either this increment precedes a close in the word's modification order (and
        // the receiver waits for the message) or it sees the close bit here.
        long prev = (long) STATE.getAndAdd(this, COUNT_UNIT);
        if ((prev & CLOSED) != 0) {
            STATE.getAndAdd(this, -COUNT_UNIT);
            rxWaker.wake(); // the receiver may have seen our transient count and be waiting for it
            return TrySendResult.CLOSED;
        }
        return TrySendResult.OK;
    }

    /** Puts a reserved message in the queue and wakes the receiver. */
    void push(T msg) {
        if (!queue.offer(msg)) {
            throw new IllegalStateException("Mpsc: the queue refused a message although a slot was reserved for it"
                    + " (capacity " + capacity + "); this is a bug in Spindle, please report it");
        }
        rxWaker.wake(); // volatile RMW after the offer: see AtomicWaker for the pairing with register
    }

    TrySendResult trySend(T msg) {
        TrySendResult r = reserve();
        if (r == TrySendResult.OK) {
            push(msg);
        }
        return r;
    }

    /**
     * Bounded, after {@link #reserve()} said FULL: under the lock, takes a permit that appeared meanwhile, or
     * appends {@code f} to the waiters. Returns OK (permit taken, not queued), CLOSED, or FULL (queued).
     */
    TrySendResult reserveOrEnqueue(MpscSendFuture<T> f, Waker w) {
        lock.lock();
        try {
            long s = (long) STATE.getVolatile(this);
            while (true) {
                if ((s & CLOSED) != 0) {
                    return TrySendResult.CLOSED;
                }
                long next;
                if (count(s) > 0) {
                    next = s - COUNT_UNIT;
                } else if ((s & WAITERS) != 0) {
                    break;
                } else {
                    next = s | WAITERS;
                }
                // Volatile CAS: races only with lock-free reserve/release and the close OR.
                long witness = (long) STATE.compareAndExchange(this, s, next);
                if (witness == s) {
                    if (count(s) > 0) {
                        return TrySendResult.OK;
                    }
                    break;
                }
                s = witness;
            }
            f.waker = w;
            waiters.addLast(f);
            MpscSendFuture.STATUS.setRelease(f, MpscSendFuture.QUEUED); // pairs with the owner's getAcquire
            return TrySendResult.FULL;
        } finally {
            lock.unlock();
        }
    }

    /** Bounded: replaces a queued waiter's waker unless it was served meanwhile. Returns its status. */
    int updateWaker(MpscSendFuture<T> f, Waker w) {
        lock.lock();
        try {
            int st = (int) MpscSendFuture.STATUS.get(f); // plain: the lock orders every write of a queued status
            if (st == MpscSendFuture.QUEUED) {
                f.waker = w;
            }
            return st;
        } finally {
            lock.unlock();
        }
    }

    /** Bounded: the release hook of a send future that was queued or holds an unused permit. */
    void cancelWaiter(MpscSendFuture<T> f) {
        Waker toWake = null;
        lock.lock();
        try {
            switch ((int) MpscSendFuture.STATUS.get(f)) { // plain: lock held, as for every write while queued
                case MpscSendFuture.QUEUED -> unlinkLocked(f);
                case MpscSendFuture.PERMIT -> toWake = releaseLocked(); // gives up the permit it never used
                default -> {
                    // CLOSED: holds nothing.
                }
            }
            f.waker = null;
        } finally {
            lock.unlock();
        }
        if (toWake != null) {
            toWake.wake();
        }
    }

    private void unlinkLocked(MpscSendFuture<T> f) {
        waiters.remove(f);
        if (waiters.isEmpty()) {
            getAndAndState(~WAITERS); // atomic: the close OR may race
        }
    }

    /** Bounded: returns one permit, to the head waiter if there is one. Any thread. */
    void releasePermit() {
        long s = (long) STATE.getVolatile(this);
        while ((s & WAITERS) == 0) {
            // Volatile CAS. Release half: pairs with the acquire of the reserve CAS that takes this permit, so
            // that sender sees the slot our preceding queue.poll freed. Fails if WAITERS was set meanwhile.
            long witness = (long) STATE.compareAndExchange(this, s, s + COUNT_UNIT);
            if (witness == s) {
                return;
            }
            s = witness;
        }
        Waker toWake;
        lock.lock();
        try {
            toWake = releaseLocked();
        } finally {
            lock.unlock();
        }
        if (toWake != null) {
            toWake.wake();
        }
    }

    /** Lock held. Hands a permit to the head waiter, or to the count if none waits. Returns the waker to wake. */
    private Waker releaseLocked() {
        MpscSendFuture<T> f = waiters.first();
        if (f == null) {
            // WAITERS is clear and cannot be set while we hold the lock; lock-free reserves may race: RMW.
            STATE.getAndAdd(this, COUNT_UNIT);
            return null;
        }
        unlinkLocked(f);
        MpscSendFuture.STATUS.setRelease(f, MpscSendFuture.PERMIT); // pairs with the owner's getAcquire
        return f.waker;
    }

    // ---- receiver (one thread at a time, except close) ----

    /**
     * One receive step: {@code Ready(message)}, {@code Ready(null)} at the end of the stream, {@code Pending}
     * for a budget-forced yield (the task has been woken), or {@code null} when there is nothing now.
     */
    private Poll<T> receiveOnce(Context cx) {
        if (cx.hasBudget()) {
            T m = queue.poll();
            if (m != null) {
                // Budget is left, so consumeBudget cannot refuse: this only counts the operation.
                cx.consumeBudget();
                released();
                return Poll.ready(m);
            }
        } else if (!queue.isEmpty()) {
            // A message is ready but the budget is spent: consumeBudget wakes the task and we yield without
            // taking it (it stays first in the queue).
            cx.consumeBudget();
            return Poll.pending();
        }
        // Volatile load: pairs with the close ORs and with the reservation RMWs (see the class comment).
        long s = (long) STATE.getVolatile(this);
        if ((s & CLOSED) != 0 && isIdle(s)) {
            return Poll.readyNull();
        }
        return null;
    }

    Poll<T> pollRecv(Context cx) {
        Poll<T> p = pollRecvInner(cx);
        if (p.isReady()) {
            cx.markProgress(); // a message (or the end of the stream) arrived
        } else {
            cx.waitingOn(this);
        }
        return p;
    }

    private Poll<T> pollRecvInner(Context cx) {
        Poll<T> p = receiveOnce(cx);
        if (p != null) {
            return p;
        }
        rxWaker.register(cx.waker());
        // Re-check after registering: a message offered, or a close made, between the first check and the
        // registration is seen here (AtomicWaker's class comment gives the ordering argument).
        p = receiveOnce(cx);
        return p != null ? p : Poll.pending();
    }

    T tryRecv() {
        T m = queue.poll();
        if (m != null) {
            released();
        }
        return m;
    }

    /** The reservation of a message the receiver just took is over. */
    private void released() {
        if (bounded) {
            releasePermit();
        } else {
            // Volatile RMW; pairs with the senders' reservation RMWs and its own later end-of-stream load.
            STATE.getAndAdd(this, -COUNT_UNIT);
        }
    }

    void closeReceiver() {
        // Volatile RMW: pairs with the reservation RMW/CAS of every sender that sees the bit.
        long prev = getAndOrState(RX_CLOSED);
        if ((prev & RX_CLOSED) != 0) {
            return;
        }
        // close() may come from another thread while the receiving task waits: let it see the end of stream.
        rxWaker.wake();
        if (!bounded) {
            return;
        }
        ArrayList<Waker> toWake = new ArrayList<>();
        lock.lock();
        try {
            for (MpscSendFuture<T> f; (f = waiters.removeFirst()) != null; ) {
                MpscSendFuture.STATUS.setRelease(f, MpscSendFuture.CLOSED); // pairs with the owner's getAcquire
                toWake.add(f.waker);
            }
            getAndAndState(~WAITERS);
        } finally {
            lock.unlock();
        }
        for (Waker w : toWake) {
            w.wake();
        }
    }

    /** Forgets the receiver's waker (the release hook of a recv future). */
    void deregisterReceiver() {
        rxWaker.take();
    }

    boolean isReceiverClosed() {
        return ((long) STATE.getVolatile(this) & RX_CLOSED) != 0; // pairs with the close ORs
    }

    boolean isClosed() {
        return ((long) STATE.getVolatile(this) & CLOSED) != 0; // pairs with the close ORs
    }

    /** Messages reserved or buffered and not yet received; approximate under concurrency. */
    int len() {
        long c = count((long) STATE.getVolatile(this)); // pairs with the reservation and release RMWs
        return (int) (bounded ? capacity - c : Math.min(c, Integer.MAX_VALUE));
    }

    /** Free slots right now (bounded), or {@link Integer#MAX_VALUE} (unbounded). */
    int freeSlots() {
        return bounded ? (int) count((long) STATE.getVolatile(this)) : Integer.MAX_VALUE; // pairs with the permit RMWs
    }

    static ChannelClosedException closedException(long s) {
        if ((s & RX_CLOSED) != 0) {
            return new ChannelClosedException(
                    "Mpsc: the receiver was closed; the message was not sent. Stop producing, or check Sender.isClosed() first");
        }
        return new ChannelClosedException(
                "Mpsc: every sender of the channel was closed before this send reserved a slot; the message was not sent");
    }

    static <T> T requireMessage(T msg) {
        return Objects.requireNonNull(msg,
                "Mpsc: messages must not be null (null marks the end of the stream in recv()); wrap it, e.g. in an Optional");
    }

    /** What a waiting receiver waits on, in task dumps. */
    @Override
    public String toString() {
        return "Mpsc channel (" + (bounded ? "bounded " + capacity : "unbounded") + ", " + len() + " queued"
                + (isClosed() ? ", closed" : "") + ")";
    }
}
