package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.internal.util.IntrusiveList;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes tasks waiting for an event without carrying data, like {@code tokio::sync::Notify}.
 *
 * <pre>{@code
 * // consumer task                       // producer
 * await(notify.notified());              publish(data);
 * read(data);                            notify.notifyOne();
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@link #notifyOne()} wakes the longest-waiting {@link #notified()} future; if none waits, it stores
 *       <b>one</b> permit (several calls still store one), which the next {@code notified()} consumes at once.</li>
 *   <li>{@link #notifyWaiters()} wakes every future that exists at the time of the call, whether it has been
 *       polled yet or not, and stores no permit.</li>
 *   <li>A {@code notified()} future chosen by {@code notifyOne} that is cancelled before it returned
 *       {@code Ready} passes the notification on: to the next waiter, or back to the permit. Nothing is lost.</li>
 * </ul>
 *
 * <h2>State word</h2>
 * {@code state} packs two things: the low two bits are {@code EMPTY} (no permit, no waiter), {@code WAITING}
 * (the waiter list is non-empty) or {@code NOTIFIED} (a permit is stored); the remaining bits count
 * {@code notifyWaiters} calls (wrapping; only compared for equality). A future records the count when it is
 * created; a different count later means a {@code notifyWaiters} happened since, so it is complete.
 * <p>Transitions {@code EMPTY <-> NOTIFIED} are lock-free CASes (storing a permit in {@code notifyOne}, taking
 * it on the first poll of a future): the common no-contention cases never touch the lock. Every transition
 * into or out of {@code WAITING}, and every change of the counter, happens with the lock held. So while the
 * state is {@code WAITING}, only lock holders change the word, and they may use plain volatile stores.
 *
 * <h2>The waiter list and its lock</h2>
 * Waiters form a FIFO {@link IntrusiveList} of the futures themselves (no node allocation), guarded by
 * {@link #lock}: the list, each future's links and {@code waker}, and the writes of its {@code notification}. Invariant under the lock: the list is non-empty iff the state is
 * {@code WAITING}. A lock (rather than a lock-free list) because removal from the middle on cancel,
 * forwarding a notification and detaching the whole list for {@code notifyWaiters} must be atomic with the
 * state change; Tokio uses a mutex for the same reason. The critical sections are a few pointer writes, never
 * block and never call out: wakers are always invoked after unlocking. {@code ReentrantLock} rather than a
 * monitor so that a virtual thread that contends for it unmounts instead of pinning its carrier (JDK 21).
 *
 * <h2>A future's life</h2>
 * <ol>
 *   <li>{@code INIT}: created, not yet queued. First poll: complete if the counter moved or a permit can be
 *       taken; otherwise, under the lock, append to the list with the task's waker, state {@code WAITING}.</li>
 *   <li>{@code QUEUED}: in the list. A notifier unlinks it, writes {@code notification} ({@code ONE} or
 *       {@code ALL}) with release, and wakes its waker after unlocking. The owner's next poll reads
 *       {@code notification} with acquire (no lock) and completes; if still unset it keeps or replaces its
 *       waker (replacing under the lock).</li>
 *   <li>{@code DONE}: returned {@code Ready} or was cancelled. Cancel while queued unlinks it; cancel after a
 *       {@code ONE} it has not observed forwards that notification (see above).</li>
 * </ol>
 */
public final class Notify {
    static final int EMPTY = 0;
    static final int WAITING = 1;
    static final int NOTIFIED = 2;
    static final int STATE_MASK = 3;
    /** One {@code notifyWaiters} call in the counter bits. */
    static final int CALL_UNIT = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Notify.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private int state;
    /** Guards the waiter list and every WAITING transition; see the class comment. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The waiting futures, oldest first; guarded by {@link #lock}. */
    private final IntrusiveList<Notified> waiters = new IntrusiveList<>();

    /** A notify with no permit and no waiters. */
    public Notify() {
    }

    private static int withState(int word, int st) {
        return (word & ~STATE_MASK) | st;
    }

    /**
     * Wakes the longest-waiting {@link #notified()} future, or stores one permit if none waits (at most one
     * permit is ever stored).
     */
    public void notifyOne() {
        // Volatile load and CAS: the permit store pairs with the CAS that takes it in Notified.poll, so whatever
        // the notifier wrote before notifyOne() happens-before the notified task's return from its poll.
        int s = (int) STATE.getVolatile(this);
        while ((s & STATE_MASK) != WAITING) {
            int witness = (int) STATE.compareAndExchange(this, s, withState(s, NOTIFIED));
            if (witness == s) {
                return;
            }
            s = witness;
        }
        Waker toWake;
        lock.lock();
        try {
            toWake = notifyOneLocked();
        } finally {
            lock.unlock();
        }
        if (toWake != null) {
            toWake.wake();
        }
    }

    /** Hands one notification to the head waiter, or stores the permit. Lock held. Returns the waker to wake. */
    private Waker notifyOneLocked() {
        int s = (int) STATE.getVolatile(this);
        while ((s & STATE_MASK) != WAITING) {
            // EMPTY or NOTIFIED can still change lock-free under us (a permit taken or stored): CAS.
            int witness = (int) STATE.compareAndExchange(this, s, withState(s, NOTIFIED));
            if (witness == s) {
                return null;
            }
            s = witness;
        }
        Notified n = waiters.removeFirst();
        Notified.NOTIFICATION.setRelease(n, Notified.ONE); // pairs with the getAcquire in pollQueued
        if (waiters.isEmpty()) {
            STATE.setVolatile(this, withState(s, EMPTY)); // WAITING: only lock holders change it, a store suffices
        }
        return n.waker;
    }

    /**
     * Wakes every {@link #notified()} future created before this call (polled or not). Stores no permit, and
     * leaves a stored permit in place.
     */
    public void notifyWaiters() {
        ArrayList<Waker> toWake = null;
        lock.lock();
        try {
            int s = (int) STATE.getVolatile(this);
            if ((s & STATE_MASK) != WAITING) {
                // Volatile RMW: the counter must not lose a racing lock-free EMPTY <-> NOTIFIED CAS. Pairs with
                // the volatile load in notified() / Notified.poll that compares the counter.
                STATE.getAndAdd(this, CALL_UNIT);
                return;
            }
            toWake = new ArrayList<>();
            for (Notified n; (n = waiters.removeFirst()) != null; ) {
                Notified.NOTIFICATION.setRelease(n, Notified.ALL); // pairs with the getAcquire in pollQueued
                toWake.add(n.waker);
            }
            STATE.setVolatile(this, withState(s + CALL_UNIT, EMPTY)); // WAITING: only lock holders change the word
        } finally {
            lock.unlock();
        }
        for (Waker w : toWake) {
            w.wake();
        }
    }

    /**
     * A future that completes when this notify is notified: by a stored permit, a {@link #notifyOne()}, or a
     * {@link #notifyWaiters()} that happens after this call. Nothing happens until it is polled, except that
     * it records the {@code notifyWaiters} count.
     */
    public Notified notified() {
        // Volatile load: pairs with the counter increments in notifyWaiters.
        return new Notified(this, (int) STATE.getVolatile(this) & ~STATE_MASK);
    }

    @Override
    public String toString() {
        int s = (int) STATE.getVolatile(this);
        String st = switch (s & STATE_MASK) {
            case EMPTY -> "EMPTY";
            case WAITING -> "WAITING";
            default -> "NOTIFIED";
        };
        return "Notify[" + st + "]";
    }

    /**
     * The future returned by {@link Notify#notified()}. Polled by one task at a time; {@link #cancel()} is its
     * release hook (it leaves the waiter list and forwards an unobserved {@code notifyOne}).
     */
    @SuppressWarnings("exports") // IntrusiveList.Node is internal, but has no member a user can reach
    public static final class Notified extends IntrusiveList.Node implements Future<Void> {
        static final int NONE = 0;
        static final int ONE = 1;
        static final int ALL = 2;

        private static final int INIT = 0;
        private static final int QUEUED = 1;
        private static final int DONE = 2;

        private static final VarHandle NOTIFICATION;

        static {
            try {
                NOTIFICATION = MethodHandles.lookup().findVarHandle(Notified.class, "notification", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Notify notify;
        /** The notifyWaiters counter bits when the future was created. Immutable. */
        private final int callsAtCreation;
        /** Owner-private: INIT, QUEUED or DONE. */
        private int phase = INIT;
        /** Written by the owner under the lock, read by notifiers under the lock. */
        private Waker waker;
        /** NONE until a notifier picks this future; written under the lock with release. */
        private int notification;

        Notified(Notify notify, int callsAtCreation) {
            this.notify = notify;
            this.callsAtCreation = callsAtCreation;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            Poll<Void> p = switch (phase) {
                case INIT -> pollFirst(cx);
                case QUEUED -> pollQueued(cx);
                default -> throw new IllegalStateException(
                        "Notify.notified() future polled after it completed or was cancelled; call notified() again for the next notification");
            };
            if (p.isReady()) {
                cx.markProgress(); // notified
            } else {
                cx.waitingOn(notify);
            }
            return p;
        }

        private Poll<Void> pollFirst(Context cx) {
            Notify nt = notify;
            int s = (int) STATE.getVolatile(nt); // volatile: pairs with notifyWaiters' counter update and notifyOne's permit CAS
            if ((s & ~STATE_MASK) != callsAtCreation) {
                return complete();
            }
            if ((s & STATE_MASK) == NOTIFIED && (int) STATE.compareAndExchange(nt, s, withState(s, EMPTY)) == s) {
                return complete(); // took the permit without the lock
            }
            nt.lock.lock();
            try {
                s = (int) STATE.getVolatile(nt);
                if ((s & ~STATE_MASK) != callsAtCreation) {
                    return complete();
                }
                while (true) {
                    int st = s & STATE_MASK;
                    if (st == WAITING) {
                        break;
                    }
                    // EMPTY -> WAITING to queue, or NOTIFIED -> EMPTY to take the permit; both race with
                    // lock-free CASes, hence CAS and retry.
                    int next = st == EMPTY ? withState(s, WAITING) : withState(s, EMPTY);
                    int witness = (int) STATE.compareAndExchange(nt, s, next);
                    if (witness == s) {
                        if (st == NOTIFIED) {
                            return complete();
                        }
                        break;
                    }
                    s = witness;
                }
                waker = cx.waker();
                nt.waiters.addLast(this);
                phase = QUEUED;
            } finally {
                nt.lock.unlock();
            }
            return Poll.pending();
        }

        private Poll<Void> pollQueued(Context cx) {
            if ((int) NOTIFICATION.getAcquire(this) != NONE) { // pairs with the notifier's setRelease under the lock
                return complete();
            }
            Waker w = cx.waker();
            if (waker.willWake(w)) {
                return Poll.pending(); // only the owner writes waker, so reading it here is safe
            }
            Notify nt = notify;
            nt.lock.lock();
            try {
                if (notification != NONE) { // plain: the lock orders it after the notifier's write
                    return complete();
                }
                waker = w;
            } finally {
                nt.lock.unlock();
            }
            return Poll.pending();
        }

        private Poll<Void> complete() {
            phase = DONE;
            return Poll.readyNull();
        }

        /**
         * The release hook: leaves the waiter list, or, if a {@code notifyOne} already picked this future, passes
         * that notification to the next waiter (or back to the permit).
         */
        @Override
        public void cancel() {
            if (phase != QUEUED) {
                phase = DONE;
                return;
            }
            phase = DONE;
            Notify nt = notify;
            Waker forward = null;
            nt.lock.lock();
            try {
                switch (notification) {
                    case NONE -> {
                        nt.waiters.remove(this);
                        if (nt.waiters.isEmpty()) {
                            // We were queued, so the state is WAITING and only lock holders change it.
                            STATE.setVolatile(nt, withState((int) STATE.getVolatile(nt), EMPTY));
                        }
                    }
                    case ONE -> forward = nt.notifyOneLocked();
                    default -> {
                        // ALL: a broadcast is not owed to anybody else.
                    }
                }
                waker = null;
            } finally {
                nt.lock.unlock();
            }
            if (forward != null) {
                forward.wake();
            }
        }

        @Override
        public String toString() {
            return "Notify.Notified[" + (phase == INIT ? "INIT" : phase == QUEUED ? "QUEUED" : "DONE") + "]";
        }
    }
}
