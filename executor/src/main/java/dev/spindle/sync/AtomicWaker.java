package dev.spindle.sync;

import dev.spindle.Waker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One waker slot with one registering side and any number of waking threads: the receiver's slot of an
 * {@link Mpsc} channel. The protocol is Tokio's {@code AtomicWaker} (tokio/src/sync/task/atomic_waker.rs).
 *
 * <h2>States</h2>
 * {@code state} is a tiny lock word guarding {@code waker}:
 * <ul>
 *   <li>{@code WAITING} (0): nobody touches {@code waker}; a registrar or a waker may take the word.</li>
 *   <li>{@code REGISTERING}: the registrar owns {@code waker} and is storing a new one.</li>
 *   <li>{@code WAKING}: a waking thread owns {@code waker} and is taking it out.</li>
 *   <li>{@code REGISTERING | WAKING}: a wake arrived while the registrar held the word. The registrar, on
 *       releasing it, sees the flag and performs the wake itself (nothing is lost).</li>
 * </ul>
 *
 * <h2>Ownership</h2>
 * {@code waker} is read and written only by the thread that moved {@code state} from {@code WAITING} to
 * {@code REGISTERING} or {@code WAKING}. {@link #register} is called by one thread at a time (the consumer
 * polling its future); {@link #wake()} and {@link #take()} from any thread.
 *
 * <h2>Memory ordering</h2>
 * Every access to {@code state} is volatile (CAS or volatile load/store), so all of them are totally ordered
 * (the JMM's synchronization order) and each volatile write synchronizes with every later volatile read of
 * {@code state}. Plain accesses to {@code waker} are ordered by those, as the lock word's acquire and release.
 *
 * <h2>Why a wake-up is never lost</h2>
 * The consumer registers, then re-checks its condition (the queue). A producer makes its change (an offer into
 * the queue), then calls {@link #wake()}, whose {@code state |= WAKING} is a volatile read-modify-write of
 * {@code state}. Either that RMW comes before the registration's first CAS in the synchronization order (the
 * CAS then synchronizes with it, so the consumer's re-check sees the change), or it lands inside the
 * registration (the registrar's second CAS fails and it wakes its task itself), or it comes after (it finds
 * the new waker and wakes it).
 *
 * <p>A taken waker is removed from the slot, so after a wake the slot is empty until the consumer registers
 * again, and further wakes cost one RMW and do nothing: each registration yields at most one wake.
 */
final class AtomicWaker {
    private static final int WAITING = 0;
    private static final int REGISTERING = 1;
    private static final int WAKING = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(AtomicWaker.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The lock word; accessed only through {@code STATE}. */
    @SuppressWarnings("unused")
    private int state;
    /** Owned by whoever holds the lock word (see the class comment); plain accesses. */
    private Waker waker;

    /**
     * Stores {@code w} to be woken by the next {@link #wake()}. Keeps the stored waker if it already
     * {@linkplain Waker#willWake wakes the same task}. Called by one thread at a time.
     */
    void register(Waker w) {
        // Volatile CAS: synchronizes with the volatile write that ended the previous owner's turn (take's store
        // of WAITING, or the CAS below in an earlier register), so the waker field read here is the latest one;
        // and with every earlier producer's RMW in the synchronization order (see the class comment).
        int prev = (int) STATE.compareAndExchange(this, WAITING, REGISTERING);
        switch (prev) {
            case WAITING -> {
                Waker cur = waker;
                if (cur == null || !cur.willWake(w)) {
                    waker = w;
                }
                // Volatile CAS: publishes the waker to take()'s RMW, which reads state after it.
                int actual = (int) STATE.compareAndExchange(this, REGISTERING, WAITING);
                if (actual != REGISTERING) {
                    // A wake arrived while we held the word (actual == REGISTERING | WAKING): it could not take
                    // the waker, so we take it and wake it for it. Nobody else changes state in this state.
                    Waker toWake = waker;
                    waker = null;
                    // Volatile store: releases the word; pairs with the acquire of the next register/take.
                    STATE.setVolatile(this, WAITING);
                    toWake.wake();
                }
            }
            // A wake is taking the old waker right now: what it reports may be news to this poll, so wake the
            // new waker directly rather than risk missing it. One extra poll, never a lost wake-up.
            case WAKING -> w.wake();
            default -> throw new IllegalStateException(
                    "AtomicWaker.register called concurrently (state " + prev + "): only the single consumer may register");
        }
    }

    /** Wakes the registered waker, if any, and empties the slot. Any thread. */
    void wake() {
        Waker w = take();
        if (w != null) {
            w.wake();
        }
    }

    /**
     * Removes and returns the registered waker, or {@code null} if there is none or a registration or another
     * wake is in progress (that one will deliver the wake). Any thread.
     */
    Waker take() {
        // Volatile RMW (CAS loop): synchronizes with register's second CAS, so the waker stored there is visible.
        // It is also the point that orders the caller's prior change (the queue offer) before a registration
        // that comes later in state's modification order (see the class comment).
        int prev = getAndOrWaking();
        if (prev != WAITING) {
            return null;
        }
        Waker w = waker;
        waker = null;
        // Volatile store: while we hold WAKING, others only perform failing CASes or a waker's no-op CAS of
        // WAKING -> WAKING (atomic, so it cannot land between its read and write), so a store suffices. It must be
        // volatile, not merely release: a concurrent producer's RMW that found WAKING set is earlier in the
        // synchronization order, and the next register's volatile CAS must synchronize with it too so that its
        // re-check sees that producer's message (a release store would end the release sequence).
        STATE.setVolatile(this, WAITING);
        return w;
    }

    /**
     * {@code state |= WAKING}, returning the previous state; a volatile RMW. A CAS loop rather than
     * {@code getAndBitwiseOr}: the JDK implements that as a CAS loop too (x86 has no fetch-or returning the
     * old value), and Lincheck 3.7's model checker sees {@code compareAndExchange} but not the bitwise VarHandle
     * operations.
     */
    private int getAndOrWaking() {
        int s = (int) STATE.getVolatile(this);
        while (true) {
            int witness = (int) STATE.compareAndExchange(this, s, s | WAKING);
            if (witness == s) {
                return s;
            }
            s = witness;
        }
    }
}
