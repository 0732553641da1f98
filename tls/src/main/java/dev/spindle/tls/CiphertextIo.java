package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import java.io.IOException;

/**
 * The ciphertext side of a {@link TlsStream}: moves bytes between the {@link EngineDriver}'s buffers and the
 * transport for one role at a time, and keeps the roles from losing each other's wakes there. What Netty's
 * {@code SslHandler} does with {@code ctx.read()} and {@code ctx.write()}, and rustls' {@code read_tls} /
 * {@code write_tls}.
 *
 * <h2>Why the transport never sees a task's waker</h2>
 * Either role may reach the transport in either direction (the reader writes a KeyUpdate answer, the writer
 * reads a handshake message the engine waits for). A transport like {@code TcpStream} keeps one waker slot per
 * direction, so each role's own waker would overwrite the other's: a lost wake-up. The transport is polled with
 * one forwarding {@link RoleWaker} per direction instead; a role registers its task there before each transport
 * call, and a role whose call succeeds passes the event on to the other role if that one waits on the same
 * direction ({@link RoleWaker#consumed}). A fourth forwarding waker, {@code drain}, wakes a writer that waits
 * for the reader to take plaintext the writer had to buffer.
 *
 * <h2>Progress and waiting</h2>
 * Ciphertext in or out (a partial record counts: bytes moved) and the transport's end, read once, mark
 * progress ({@link Context#markProgress()}); a transport that would block and a spent budget do not. A
 * {@code Pending} names what it waits on (see {@link TlsWaiting}).
 *
 * <p>Called under the stream's lock only; the wakers' own ordering is documented in {@link RoleWaker}.
 */
final class CiphertextIo<S extends AsyncRead & AsyncWrite> {
    private static final System.Logger LOG = System.getLogger("dev.spindle.tls");

    private final S transport;
    private final EngineDriver driver;
    private final StreamState state;
    private final String peer;

    private final RoleWaker readWaker = new RoleWaker("read");
    private final RoleWaker writeWaker = new RoleWaker("write");
    private final RoleWaker drainWaker = new RoleWaker("drain");
    /** What the transport is polled with: unconstrained (the caller's own budget is spent by this class). */
    private final Context transportReadCx = new Context(readWaker);
    private final Context transportWriteCx = new Context(writeWaker);

    private final TlsWaiting waitingReadable;
    private final TlsWaiting waitingWritable;
    private final TlsWaiting waitingDrain;

    CiphertextIo(S transport, EngineDriver driver, StreamState state, String peer) {
        this.transport = transport;
        this.driver = driver;
        this.state = state;
        this.peer = peer;
        waitingReadable = new TlsWaiting(transport, state, "readable", "handshake (unwrap)");
        waitingWritable = new TlsWaiting(transport, state, "writable", "handshake (wrap)");
        waitingDrain = new TlsWaiting(transport, state, "the reader to drain buffered plaintext",
                "handshake (the reader to drain buffered plaintext)");
    }

    S transport() {
        return transport;
    }

    /**
     * One transport read into the driver's {@code netIn} for {@code role}: {@code Ready(n)}, {@code -1} at the
     * transport's end, or {@code Pending} (the role's waker registered, or the budget spent and the task woken).
     */
    Poll<Integer> read(int role, Context cx) throws IOException {
        if (!cx.consumeBudget()) {
            return Poll.pending(); // budget spent: consumeBudget woke the task
        }
        readWaker.register(role, cx.waker());
        Poll<Integer> p;
        try {
            p = transport.pollRead(transportReadCx, driver.inboundToFill());
        } catch (IOException e) {
            throw state.fail(e);
        } finally {
            driver.inboundFilled();
        }
        if (p.isReady()) {
            readWaker.consumed(role);
            if (p.value() != 0) {
                // Ciphertext in (a partial record too: bytes moved), or the transport's end, read once: the input
                // state leaves OPEN on it, and the transport is not read for input again.
                cx.markProgress();
            }
        } else {
            cx.waitingOn(waitingReadable);
        }
        return p;
    }

    /**
     * Writes the driver's {@code netOut} to the transport until it is empty ({@code Ready}) or the transport
     * would block ({@code Pending}, the role's waker registered) or the budget is spent ({@code Pending}, task
     * woken). A failed transport write is final for output ({@link StreamState#writeFailed}).
     */
    Poll<Void> flush(int role, Context cx) throws IOException {
        if (state.writeFailure() != null && driver.hasOutbound()) {
            driver.discardOutbound(); // cannot be sent any more
            throw state.writeFailedEarlier();
        }
        while (driver.hasOutbound()) {
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            writeWaker.register(role, cx.waker());
            Poll<Integer> p;
            try {
                p = transport.pollWrite(transportWriteCx, driver.outbound());
            } catch (IOException e) {
                state.writeFailed(e);
                driver.discardOutbound();
                throw e;
            }
            if (p.isPending()) {
                cx.waitingOn(waitingWritable);
                return Poll.pending();
            }
            writeWaker.consumed(role);
            if (p.value() > 0) {
                cx.markProgress(); // ciphertext out: data, handshake flight or close_notify
            }
        }
        return Poll.readyNull();
    }

    /**
     * {@link #flush} on behalf of {@code role}; a reader past the handshake that fails to write keeps reading
     * (what the peer sent before it went away may still be there), everyone else fails.
     */
    Poll<Void> flushFor(int role, Context cx) throws IOException {
        try {
            return flush(role, cx);
        } catch (IOException e) {
            if (role == RoleWaker.READER && state.handshakeDone() && e == state.writeFailure()) {
                LOG.log(System.Logger.Level.DEBUG, () -> "TLS stream with " + peer
                        + ": could not send what the engine answered while reading (" + e + "); reading goes on");
                return Poll.readyNull();
            }
            throw e;
        }
    }

    /**
     * Makes room in {@code netOut} for one record, writing it out if it must. {@code false} if the transport
     * cannot take bytes now (the role's waker is registered).
     */
    boolean makeRoomForRecord(int role, Context cx) throws IOException {
        while (!driver.makeRoomForRecord()) {
            if (flushFor(role, cx).isPending()) {
                return driver.hasRoomForRecord();
            }
        }
        return true;
    }

    /**
     * One write of {@code netOut} with no role registered: if it would block, the bytes stay queued and nobody
     * is woken on their account (an alert after a failure, the close_notify answer after close_notify).
     */
    void writeQuietly() {
        try {
            transport.pollWrite(transportWriteCx, driver.outbound());
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone already; nothing depends on these bytes arriving
        }
    }

    /** The transport's own flush, for the writer (after {@link #flush}). */
    Poll<Void> flushTransport(Context cx) throws IOException {
        writeWaker.register(RoleWaker.WRITER, cx.waker());
        Poll<Void> p;
        try {
            p = transport.pollFlush(transportWriteCx);
        } catch (IOException e) {
            throw state.fail(e);
        }
        if (p.isReady()) {
            writeWaker.clear(RoleWaker.WRITER);
        }
        return p;
    }

    /** The transport's half-close, for the writer (after close_notify is flushed). */
    Poll<Void> shutdownTransport(Context cx) throws IOException {
        writeWaker.register(RoleWaker.WRITER, cx.waker());
        Poll<Void> p;
        try {
            p = transport.pollShutdown(transportWriteCx);
        } catch (IOException e) {
            throw state.fail(e);
        }
        if (p.isReady()) {
            writeWaker.clear(RoleWaker.WRITER);
        }
        return p;
    }

    /**
     * The writer waits until the reader drains the plaintext it buffered: registered under the lock, which the
     * reader needs to drain, so its drain sees the registration.
     */
    void awaitDrain(int role, Context cx) {
        drainWaker.register(role, cx.waker());
        cx.waitingOn(waitingDrain);
    }

    /** The reader emptied the buffered plaintext: wake a writer that waits for that. */
    void drained() {
        drainWaker.wakeRole(RoleWaker.WRITER);
    }

    /** On close: whoever waits on the transport or a drain must come and see it. */
    void wakeAll() {
        readWaker.wake();
        writeWaker.wake();
        drainWaker.wake();
    }
}
