package dev.spindle.sync;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.Waker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The shared state of one {@link Oneshot} channel; {@link Oneshot.Sender} and {@link Oneshot.Receiver} are thin
 * views of it. Modelled on Tokio's {@code sync/oneshot.rs}.
 *
 * <h2>The state word</h2>
 * All cross-thread state is one {@code int}, changed only by CAS or atomic bit operations:
 * <ul>
 *   <li>{@link #RX_WAKER_SET}: {@code rxWaker} holds the receiver's waker; set and cleared by the receiver.</li>
 *   <li>{@link #VALUE_SENT}: {@code value} holds the value; set once by the sender, together with TX_CLOSED.</li>
 *   <li>{@link #TX_CLOSED}: the sender is finished: it sent, tried to send to a closed receiver, or closed.
 *       Without VALUE_SENT it means "closed without sending".</li>
 *   <li>{@link #RX_CLOSED}: the receiver closed (or was cancelled); sends from now on fail.</li>
 *   <li>{@link #TX_WAKER_SET}: {@code txWaker} holds the waker of the sender's {@code closed()} future.</li>
 * </ul>
 *
 * <h2>Who owns which field</h2>
 * <ul>
 *   <li>{@code value}: written by the sender before the CAS that sets VALUE_SENT (release); read and cleared by
 *       the receiver after it observed VALUE_SENT with acquire. Never touched by the sender after that CAS.</li>
 *   <li>{@code rxWaker}: written by the receiver only while RX_WAKER_SET is clear; read by the sender only after
 *       its RMW observed RX_WAKER_SET (acquire, pairing with the receiver's release RMW that set the bit), and
 *       only if RX_CLOSED was clear. To replace its waker the receiver first clears the bit; if that RMW shows
 *       the sender has already finished, the receiver does not write the field (the sender may be reading it).</li>
 *   <li>{@code txWaker}: the mirror image, for the sender's {@code closed()} future and the receiver's close.</li>
 *   <li>{@code rxDone}: receiver-private (the receiver is used by one thread at a time): the receiver has
 *       returned its value or failed, so polling it again is a bug.</li>
 * </ul>
 *
 * <h2>Transitions</h2>
 * <pre>
 *  send:     CAS  s -> s | VALUE_SENT | TX_CLOSED   unless RX_CLOSED (then only TX_CLOSED; send returns false)
 *            then wake rxWaker if the CAS saw RX_WAKER_SET and not RX_CLOSED
 *  tx close: OR   TX_CLOSED; wake rxWaker if it was the first finish, RX_WAKER_SET and not RX_CLOSED
 *  rx poll:  VALUE_SENT -> Ready; TX_CLOSED or RX_CLOSED (no value) -> ChannelClosedException;
 *            else store rxWaker (skipped if the stored one willWake) and OR RX_WAKER_SET, re-checking the
 *            result of that same RMW, so a send that raced with the registration is seen
 *  rx close: OR   RX_CLOSED; wake txWaker if TX_WAKER_SET
 * </pre>
 * A value sent before the receiver closed stays receivable ({@link #tryReceive()}), as in Tokio.
 *
 * @param <T> the value type
 */
final class OneshotCell<T> {
    static final int RX_WAKER_SET = 1;
    static final int VALUE_SENT = 1 << 1;
    static final int TX_CLOSED = 1 << 2;
    static final int RX_CLOSED = 1 << 3;
    static final int TX_WAKER_SET = 1 << 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OneshotCell.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The state word; only through {@link #STATE}. */
    @SuppressWarnings("unused")
    private int state;
    private T value;
    private Waker rxWaker;
    private Waker txWaker;
    private boolean rxDone;

    // ---- compound read-modify-writes of the state word ----

    /**
     * Atomically ORs {@code bits} in and returns the previous word; a volatile RMW. Written as a CAS loop rather
     * than {@code getAndBitwiseOr}: the JDK implements that as a CAS loop too (x86 has no fetch-or returning the
     * old value), and Lincheck 3.7's model checker sees {@code compareAndExchange} as a shared-memory event but
     * not the bitwise VarHandle operations (SyncModelCheckTest relies on it).
     */
    private int getAndOrState(int bits) {
        int s = (int) STATE.getVolatile(this);
        while (true) {
            int witness = (int) STATE.compareAndExchange(this, s, s | bits);
            if (witness == s) {
                return s;
            }
            s = witness;
        }
    }

    /** Atomically ANDs {@code mask} in and returns the previous word; a volatile RMW (a CAS loop, see above). */
    private int getAndAndState(int mask) {
        int s = (int) STATE.getVolatile(this);
        while (true) {
            int witness = (int) STATE.compareAndExchange(this, s, s & mask);
            if (witness == s) {
                return s;
            }
            s = witness;
        }
    }

    // ---- sender side (one thread at a time) ----

    boolean send(T v) {
        Objects.requireNonNull(v, "Oneshot.Sender.send: the value must not be null (send a sentinel or an Optional)");
        // Acquire: pairs with the receiver's RMW that set RX_CLOSED, for the early exit below.
        int s = (int) STATE.getAcquire(this);
        if ((s & TX_CLOSED) != 0) {
            throw new IllegalStateException(
                    "Oneshot.Sender.send called after send() or close(): a oneshot carries exactly one value; create a new channel per value");
        }
        if ((s & RX_CLOSED) != 0) {
            getAndOrState(TX_CLOSED); // volatile RMW; marks the sender used so a second send fails
            return false;
        }
        value = v; // plain: published by the release half of the CAS below
        while (true) {
            // Volatile CAS. Release: publishes value to the receiver's acquire load that sees VALUE_SENT.
            // Acquire: pairs with the receiver's release RMW that set RX_WAKER_SET, so rxWaker is visible.
            int witness = (int) STATE.compareAndExchange(this, s, s | VALUE_SENT | TX_CLOSED);
            if (witness == s) {
                break;
            }
            s = witness;
            if ((s & RX_CLOSED) != 0) {
                value = null; // never published: the receiver reads value only after seeing VALUE_SENT
                getAndOrState(TX_CLOSED);
                return false;
            }
        }
        if ((s & (RX_WAKER_SET | RX_CLOSED)) == RX_WAKER_SET) {
            rxWaker.wake();
        }
        return true;
    }

    void closeSender() {
        // Volatile RMW. Release: pairs with the receiver's acquire load that sees TX_CLOSED. Acquire: pairs with
        // the receiver's release RMW that set RX_WAKER_SET, so rxWaker is visible.
        int prev = getAndOrState(TX_CLOSED);
        if ((prev & TX_CLOSED) != 0) {
            return; // already sent or closed: idempotent
        }
        if ((prev & (RX_WAKER_SET | RX_CLOSED)) == RX_WAKER_SET) {
            rxWaker.wake();
        }
    }

    boolean isReceiverClosed() {
        // Acquire: pairs with the receiver's RMW that set RX_CLOSED.
        return ((int) STATE.getAcquire(this) & RX_CLOSED) != 0; // pairs with the receiver's RMW that set RX_CLOSED
    }

    /** One step of the sender's {@code closed()} future: Ready once the receiver closed. */
    Poll<Void> pollReceiverClosed(Context cx) {
        int s = (int) STATE.getAcquire(this); // acquire: pairs with the receiver's RMW that set RX_CLOSED
        if ((s & RX_CLOSED) != 0) {
            return Poll.readyNull();
        }
        Waker w = cx.waker();
        if ((s & TX_WAKER_SET) != 0) {
            if (txWaker.willWake(w)) {
                return Poll.pending(); // the stored waker already wakes this task: nothing to re-register
            }
            // Take the field back before writing it. Volatile RMW; if it shows RX_CLOSED the receiver may be
            // reading txWaker right now, so leave the field alone and report the close.
            if ((getAndAndState(~TX_WAKER_SET) & RX_CLOSED) != 0) {
                return Poll.readyNull();
            }
        }
        txWaker = w; // plain: published by the release half of the RMW below
        // Volatile RMW. Release: publishes txWaker to the receiver's close RMW. Its result is the re-check: a
        // close that came before it is seen here, a close after it sees TX_WAKER_SET and wakes w.
        if ((getAndOrState(TX_WAKER_SET) & RX_CLOSED) != 0) {
            return Poll.readyNull();
        }
        return Poll.pending();
    }

    /** The release hook of the sender's {@code closed()} future: withdraws its waker. */
    void cancelReceiverClosed() {
        // Volatile RMW. If RX_CLOSED was clear, the receiver's close RMW comes later and will see no
        // TX_WAKER_SET, so nobody reads txWaker any more and it can be dropped.
        int prev = getAndAndState(~TX_WAKER_SET);
        if ((prev & (TX_WAKER_SET | RX_CLOSED)) == TX_WAKER_SET) {
            txWaker = null;
        }
    }

    // ---- receiver side (one thread at a time) ----

    Poll<T> pollReceive(Context cx) {
        if (rxDone) {
            throw new IllegalStateException(
                    "Oneshot.Receiver polled after it completed: a future must not be polled again after Ready or a failure");
        }
        int s = (int) STATE.getAcquire(this); // acquire: pairs with the sender's release CAS that set VALUE_SENT (and value)
        if ((s & (VALUE_SENT | TX_CLOSED | RX_CLOSED)) != 0) {
            return finish(s);
        }
        Waker w = cx.waker();
        if ((s & RX_WAKER_SET) != 0) {
            if (rxWaker.willWake(w)) {
                return Poll.pending(); // same task: keep the registration, no atomic write
            }
            // Withdraw the bit before rewriting the field. Volatile RMW; if the sender has finished it may be
            // reading rxWaker now, so leave the field alone and take the result instead.
            int prev = getAndAndState(~RX_WAKER_SET);
            if ((prev & (VALUE_SENT | TX_CLOSED | RX_CLOSED)) != 0) {
                return finish(prev);
            }
        }
        rxWaker = w; // plain: published by the release half of the RMW below
        // Volatile RMW. Release: publishes rxWaker to the sender's CAS. Acquire: if the sender finished first,
        // its value is visible. Its result is the re-check that closes the window between the load and now.
        int prev = getAndOrState(RX_WAKER_SET);
        if ((prev & (VALUE_SENT | TX_CLOSED | RX_CLOSED)) != 0) {
            return finish(prev);
        }
        return Poll.pending();
    }

    /** Completes the receiver from a state that has VALUE_SENT, TX_CLOSED or RX_CLOSED. */
    private Poll<T> finish(int s) {
        rxDone = true;
        if ((s & VALUE_SENT) != 0) {
            T v = value;
            value = null;
            return Poll.ready(v);
        }
        throw closedWithoutValue(s);
    }

    T tryReceive() {
        if (rxDone) {
            throw new IllegalStateException(
                    "Oneshot.Receiver.tryReceive after the value was received or the receive failed: there is nothing more to receive");
        }
        int s = (int) STATE.getAcquire(this); // acquire: pairs with the sender's release CAS that set VALUE_SENT
        if ((s & (VALUE_SENT | TX_CLOSED | RX_CLOSED)) != 0) {
            return finish(s).value();
        }
        return null;
    }

    void closeReceiver() {
        // Volatile RMW. Release: pairs with the sender's acquire load / CAS that sees RX_CLOSED. Acquire: pairs
        // with the release RMW that set TX_WAKER_SET, so txWaker is visible.
        int prev = getAndOrState(RX_CLOSED);
        if ((prev & (RX_CLOSED | TX_WAKER_SET)) == TX_WAKER_SET) {
            txWaker.wake();
        }
    }

    private static ChannelClosedException closedWithoutValue(int s) {
        if ((s & RX_CLOSED) != 0) {
            return new ChannelClosedException(
                    "Oneshot: the receiver was closed before a value was sent; no value can arrive any more");
        }
        return new ChannelClosedException(
                "Oneshot: the sender was closed without sending a value; the receiver will never get one");
    }
}
