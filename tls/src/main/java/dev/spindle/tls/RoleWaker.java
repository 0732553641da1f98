package dev.spindle.tls;

import dev.spindle.Waker;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The waker a {@link TlsStream} hands to one event source (the transport's read side, its write side, the
 * delegated-task thread, the drain of buffered plaintext). It forwards a wake to the task of each
 * <em>role</em> (reader, writer) that registered for that source.
 *
 * <h2>Why</h2>
 * A transport like {@code TcpStream} keeps one waker slot per direction. The TLS stream's reader sometimes has
 * to write (a TLS 1.3 KeyUpdate answer, a TLS 1.2 renegotiation flight) and its writer sometimes has to read
 * (a handshake the engine makes it wait for). If each passed its own task's waker to the transport, the one
 * would overwrite the other's registration: a lost wake-up. So the transport only ever sees these forwarding
 * wakers, one per direction and stream, allocated once; the roles register here.
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>{@link #register}: a role stores its task's waker <em>before</em> the operation that may return
 *       {@code Pending}, so a wake from another thread right after the transport registered us finds it.</li>
 *   <li>{@link #wake}: takes every stored waker out (a slot yields at most one wake per registration) and
 *       wakes it.</li>
 *   <li>{@link #consumed}: a role whose operation succeeded clears its own registration (it no longer waits)
 *       and passes the event on to the other role if that one waits here: the other role may have been waiting
 *       for exactly the readiness this role just used up, and the transport will not report it again.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * Slots are elements of an {@link AtomicReferenceArray}: {@code set} is a volatile write, {@code getAndSet} a
 * volatile read-modify-write, {@code get} a volatile read. A register (volatile write) comes before, in program
 * order, the transport's own registration of this waker (a release in the transport); the thread that later
 * calls {@link #wake} acquired that registration, so its {@code getAndSet} sees the slot.
 */
final class RoleWaker implements Waker {
    static final int READER = 0;
    static final int WRITER = 1;

    private final AtomicReferenceArray<Waker> slots = new AtomicReferenceArray<>(2);
    private final String name;

    RoleWaker(String name) {
        this.name = name;
    }

    /** Stores {@code w} for {@code role}; replaces what the role stored before. */
    void register(int role, Waker w) {
        slots.set(role, w); // volatile write; read by wake()'s getAndSet on the waking thread
    }

    /** Forgets the registration of {@code role} (it no longer waits). */
    void clear(int role) {
        if (slots.get(role) != null) { // volatile read: skips the write in the common case
            slots.set(role, null);
        }
    }

    /** {@code role}'s operation succeeded: clear its registration, pass the event on to the other role. */
    void consumed(int role) {
        clear(role);
        wakeRole(1 - role);
    }

    /** Wakes the task registered for {@code role}, if any. */
    void wakeRole(int role) {
        if (slots.get(role) != null) { // volatile read: most of the time nobody waits
            Waker w = slots.getAndSet(role, null); // volatile RMW; pairs with register's volatile write
            if (w != null) {
                w.wake();
            }
        }
    }

    @Override
    public void wake() {
        wakeRole(READER);
        wakeRole(WRITER);
    }

    @Override
    public String toString() {
        return "TlsStream." + name + "Waker";
    }
}
