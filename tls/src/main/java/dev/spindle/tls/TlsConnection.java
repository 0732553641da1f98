package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The loops of a {@link TlsStream}: handshake, read, write, flush and shutdown, each driving the
 * {@link EngineDriver} against the transport ({@link CiphertextIo}) for one role, starting and awaiting
 * delegated tasks ({@link DelegatedTasks}), and moving the {@link StreamState} along. What rustls'
 * {@code complete_io} does for a blocking stream, done as polls: every loop ends in {@code Ready} or in a
 * {@code Pending} with a waker registered (see the invariants on {@link TlsStream}).
 *
 * <p>Called under the stream's lock, with the driver's buffers taken ({@link EngineDriver#takeBuffers()}).
 * Package-private with the other parts: {@link TlsStream} is the API.
 *
 * <h2>Idle steps</h2>
 * Every loop counts the steps in a row that neither moved bytes nor changed state, and gives up with an
 * {@link SSLException} after {@value #MAX_IDLE_STEPS}: a correct engine never needs more than a handful (a
 * status change, then progress); the bound turns an engine that keeps answering "OK, nothing done" into an
 * error instead of a spinning worker.
 */
final class TlsConnection<S extends AsyncRead & AsyncWrite> {
    private static final System.Logger LOG = System.getLogger("dev.spindle.tls");

    static final int MAX_IDLE_STEPS = 64;

    /**
     * Plaintext a writer may buffer for the reader while it unwraps for a handshake the engine makes it wait
     * for (TLS 1.2 renegotiation): enough for any real handshake, small enough that a peer flooding data during
     * a renegotiation cannot make the stream buffer without bound.
     */
    static final int MAX_BUFFERED_PLAINTEXT = 256 * 1024;

    private static final int READER = RoleWaker.READER;
    private static final int WRITER = RoleWaker.WRITER;

    private final EngineDriver driver;
    private final StreamState state;
    private final CiphertextIo<S> io;
    private final DelegatedTasks tasks;
    private final boolean requireCloseNotify;
    private final String peer;
    private final TlsWaiting waitingTask;

    TlsConnection(EngineDriver driver, StreamState state, CiphertextIo<S> io, DelegatedTasks tasks,
            boolean requireCloseNotify, String peer) {
        this.driver = driver;
        this.state = state;
        this.io = io;
        this.tasks = tasks;
        this.requireCloseNotify = requireCloseNotify;
        this.peer = peer;
        this.waitingTask = new TlsWaiting(io.transport(), state, "delegated task", "handshake (delegated task)");
    }

    // =============================================================================================== handshake

    /** Drives the handshake; {@code Ready} once it is done and our last flight is written. */
    Poll<Void> handshake(Context cx) throws IOException {
        for (int idle = 0; ; idle++) {
            state.checkUsable();
            checkIdle(idle);
            if (awaitingTask(READER, cx)) {
                return Poll.pending();
            }
            switch (driver.handshakeStatus()) {
                case NEED_TASK -> {
                    if (startTasks(READER, cx)) {
                        return Poll.pending();
                    }
                }
                case NEED_WRAP -> {
                    if (!wrapEngineOutput(READER, cx)) {
                        return Poll.pending();
                    }
                    idle = 0;
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    // The peer answers our flight: it must be on the wire before we wait for the answer.
                    if (io.flush(READER, cx).isPending() || driveInput(READER, cx).isPending()) {
                        return Poll.pending();
                    }
                    if (!state.inputOpen()) {
                        throw state.fail(new SSLHandshakeException("TLS handshake with " + peer
                                + " failed: the peer closed the TLS session (close_notify) before it completed"));
                    }
                    idle = 0;
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    if (io.flush(READER, cx).isPending()) {
                        return Poll.pending();
                    }
                    state.handshakeFinished();
                    driver.handshakeFinished();
                    cx.markProgress();
                    return Poll.readyNull();
                }
            }
        }
    }

    /** After a failed handshake: writes what is queued (the engine's alert); {@code Ready} if it cannot be. */
    Poll<Void> flushAlert(Context cx) {
        try {
            return io.flush(READER, cx);
        } catch (IOException e) {
            return Poll.readyNull(); // the peer is gone; the handshake failure is what gets reported
        }
    }

    // =============================================================================================== reading

    /**
     * Reads into {@code dst}: buffered plaintext first; then records already in {@code netIn}; only when
     * nothing was produced, one transport read, and the records it brought.
     */
    Poll<Integer> read(Context cx, ByteBuffer dst) throws IOException {
        int produced = 0;
        for (int idle = 0; ; idle++) {
            if (driver.hasPlaintext()) {
                produced += drainPlaintext(dst);
                if (!dst.hasRemaining() || driver.hasPlaintext()) {
                    return Poll.readyCount(produced);
                }
            }
            // Nothing buffered from here on.
            switch (state.input()) {
                case OPEN -> {
                }
                case CLOSE_NOTIFY, EOF -> {
                    return Poll.readyCount(produced > 0 ? produced : -1);
                }
                case TRUNCATED -> {
                    if (produced > 0) {
                        return Poll.readyCount(produced);
                    }
                    throw state.truncation();
                }
            }
            if (state.failed() || state.isClosed()) {
                if (produced > 0) {
                    return Poll.readyCount(produced);
                }
                state.checkUsable();
            }
            checkIdle(idle);
            if (awaitingTask(READER, cx)) {
                return produced > 0 ? Poll.readyCount(produced) : Poll.pending();
            }
            HandshakeStatus hs = driver.handshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                if (produced > 0) {
                    return Poll.readyCount(produced);
                }
                if (startTasks(READER, cx)) {
                    return Poll.pending();
                }
                continue;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                // Post-handshake output the engine wants sent (KeyUpdate answer, renegotiation flight).
                if (!wrapEngineOutput(READER, cx)) {
                    return produced > 0 ? Poll.readyCount(produced) : Poll.pending();
                }
                idle = 0;
                continue;
            }
            if (produced > 0 && driver.controlRecordMayFollow()) {
                // Hand over the data first. A close_notify may close our side at once, discarding what we have not
                // wrapped yet: in TLS 1.2 every engine does (RFC 5246 7.2.1), in TLS 1.3 BoringSSL does too.
                // Unwrapping it in the same call as the data before it would leave the caller no chance to answer
                // that data (an echo, a response). TLS 1.3 hides the record type, so there any next record waits.
                return Poll.readyCount(produced);
            }
            if (driver.inboundBytes() > 0) {
                int before = dst.position();
                EngineDriver.Inbound in = unwrap(dst);
                produced += dst.position() - before;
                if (in == EngineDriver.Inbound.PROGRESS) {
                    cx.markProgress(); // a record unwrapped, even if kept in appIn
                    idle = 0;
                    continue;
                }
                if (in == EngineDriver.Inbound.CLOSE_NOTIFY) {
                    onCloseNotify(cx);
                    continue;
                }
                if (in == EngineDriver.Inbound.AGAIN) {
                    continue;
                }
            }
            // The engine needs more ciphertext.
            if (produced > 0) {
                return Poll.readyCount(produced);
            }
            if (driver.hasOutbound()) {
                io.flushFor(READER, cx); // keep our flight moving while we wait for the answer; Pending is fine here
            }
            Poll<Integer> n = io.read(READER, cx);
            if (n.isPending()) {
                return Poll.pending();
            }
            if (n.value() < 0) {
                onTransportEof();
                continue; // -1, or the truncation error, from the state switch above
            }
            idle = 0;
        }
    }

    /** Copies buffered plaintext into {@code dst}; wakes a writer that waits for the drain. */
    private int drainPlaintext(ByteBuffer dst) {
        int n = driver.drainPlaintext(dst);
        if (!driver.hasPlaintext()) {
            io.drained();
        }
        return n;
    }

    /**
     * One step of input for the handshake and for a writer the engine makes wait for the peer: unwrap one
     * record from {@code netIn} into {@code appIn}, or, when {@code netIn} holds no complete record, read the
     * transport once. {@code Ready} after progress (or a state change the caller must look at).
     */
    private Poll<Void> driveInput(int role, Context cx) throws IOException {
        switch (state.input()) {
            case OPEN -> {
            }
            case TRUNCATED -> throw state.truncation();
            case CLOSE_NOTIFY, EOF -> {
                return Poll.readyNull();
            }
        }
        if (driver.inboundBytes() > 0) {
            if (driver.plaintextWouldExceed(MAX_BUFFERED_PLAINTEXT)) {
                io.awaitDrain(role, cx); // the reader has not taken what we buffered for it
                return Poll.pending();
            }
            switch (unwrap(null)) {
                case PROGRESS -> {
                    cx.markProgress();
                    return Poll.readyNull();
                }
                case AGAIN -> {
                    return Poll.readyNull();
                }
                case CLOSE_NOTIFY -> {
                    onCloseNotify(cx);
                    return Poll.readyNull();
                }
                case NEED_INPUT -> {
                }
            }
        }
        Poll<Integer> n = io.read(role, cx);
        if (n.isPending()) {
            return Poll.pending();
        }
        if (n.value() < 0) {
            onTransportEof();
        }
        return Poll.readyNull();
    }

    private EngineDriver.Inbound unwrap(ByteBuffer dst) throws IOException {
        try {
            return driver.unwrap(dst);
        } catch (EngineDriver.EngineFailure f) {
            throw failed(f);
        }
    }

    /**
     * The close_notify record counts as progress (a record unwrapped, and the end of input). TLS 1.2 answers
     * close_notify with close_notify, which the engine has queued: it is sent if the transport takes it now,
     * without registering anyone, since after close_notify nothing may wake the reader on its account. If it
     * does not go out now, the next write-side call (flush, shutdown) sends it.
     */
    private void onCloseNotify(Context cx) {
        cx.markProgress();
        state.closeNotifyReceived();
        try {
            if (!tasks.running() && driver.handshakeStatus() == HandshakeStatus.NEED_WRAP
                    && driver.wrapQueuedQuietly()) {
                io.writeQuietly();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not answer close_notify from " + peer, e);
        }
    }

    /**
     * EOF of the transport: during a handshake an {@link SSLHandshakeException}; inside a record always a
     * truncation error; otherwise a truncation error unless close_notify is not required, then {@code -1}.
     */
    private void onTransportEof() throws SSLException {
        if (!state.handshakeDone()) {
            throw state.fail(new SSLHandshakeException("TLS handshake with " + peer
                    + " failed: the peer closed the connection before the handshake completed"));
        }
        if (driver.inboundBytes() > 0) {
            truncated(new SSLException("TLS stream truncated: the connection to " + peer
                    + " ended in the middle of a TLS record (" + driver.inboundBytes() + " bytes of it arrived)"));
        } else if (requireCloseNotify) {
            truncated(new SSLException("TLS stream truncated: " + peer + " closed the connection without sending"
                    + " close_notify, so the data may have been cut short (a truncation attack looks the same); if"
                    + " this peer is known to close without close_notify, build the connector or acceptor with"
                    + " requireCloseNotify(false)"));
        } else {
            state.inputEnded();
        }
    }

    private void truncated(SSLException e) {
        state.inputTruncated(e);
        driver.discardInbound();
    }

    // =============================================================================================== writing

    /** Wraps from {@code srcs} (gathering: the engine wraps from all of them into the same records). */
    Poll<Long> write(Context cx, ByteBuffer[] srcs) throws IOException {
        long consumed = 0;
        wrapping:
        for (int idle = 0; ; idle++) {
            state.checkWritable();
            if (!hasRemaining(srcs)) {
                break;
            }
            checkIdle(idle);
            if (awaitingTask(WRITER, cx) || !io.makeRoomForRecord(WRITER, cx)) {
                return consumed > 0 ? Poll.readyCount(consumed) : Poll.pending();
            }
            SSLEngineResult r = wrap(srcs);
            switch (r.getStatus()) {
                case OK -> {
                    consumed += r.bytesConsumed();
                    if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                        cx.markProgress(); // plaintext taken into a record (sent by the flush that follows)
                        idle = 0;
                        continue wrapping;
                    }
                    if (consumed > 0) {
                        break wrapping; // hand over what we took before waiting for anything
                    }
                    switch (r.getHandshakeStatus()) {
                        case NEED_TASK -> {
                            if (startTasks(WRITER, cx)) {
                                return Poll.pending();
                            }
                        }
                        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                            // The engine waits for the peer before it takes more data (a handshake in progress):
                            // our flight must go out, and the answer must come in, whoever of us is polled.
                            io.flush(WRITER, cx); // Pending is fine: the write waker is registered as well
                            if (driveInput(WRITER, cx).isPending()) {
                                return Poll.pending();
                            }
                            idle = 0;
                        }
                        default -> {
                            // NEED_WRAP with nothing produced, or nothing at all: an idle step (bounded).
                        }
                    }
                }
                case BUFFER_OVERFLOW -> {
                    // The driver re-read the sizes: makeRoomForRecord grows or flushes next time round.
                }
                case BUFFER_UNDERFLOW -> {
                    // Never returned: the driver throws it as a failure.
                }
                case CLOSED -> throw closedForWriting();
            }
        }
        if (driver.hasOutbound()) {
            io.flush(WRITER, cx); // push it out now; if the transport is full, the bytes wait in netOut (ours now)
        }
        return Poll.readyCount(consumed);
    }

    private SSLEngineResult wrap(ByteBuffer[] srcs) throws IOException {
        try {
            return driver.wrap(srcs);
        } catch (EngineDriver.EngineFailure f) {
            throw failed(f);
        }
    }

    private SSLEngineResult wrapEngineOutput() throws IOException {
        try {
            return driver.wrapEngineOutput();
        } catch (EngineDriver.EngineFailure f) {
            throw failed(f);
        }
    }

    /**
     * Wraps what the engine wants to send on its own ({@code NEED_WRAP}: handshake, post-handshake and alert
     * records), then starts writing it. {@code false} if {@code netOut} is full and the transport would block
     * (the role's waker is registered).
     */
    private boolean wrapEngineOutput(int role, Context cx) throws IOException {
        for (int idle = 0; !tasks.running() && driver.handshakeStatus() == HandshakeStatus.NEED_WRAP; idle++) {
            checkIdle(idle);
            if (!io.makeRoomForRecord(role, cx)) {
                return false;
            }
            SSLEngineResult r = wrapEngineOutput();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0) {
                break;
            } else if (r.bytesProduced() > 0) {
                cx.markProgress(); // a handshake, post-handshake or alert record made
                idle = 0;
            }
        }
        if (driver.hasOutbound()) {
            io.flushFor(role, cx);
        }
        return true;
    }

    /** Flushes what is wrapped (and what the engine still wants to send), then the transport. */
    Poll<Void> flush(Context cx) throws IOException {
        state.checkUsable();
        if (awaitingTask(WRITER, cx)) {
            return Poll.pending();
        }
        if (driver.handshakeStatus() == HandshakeStatus.NEED_WRAP && !wrapEngineOutput(WRITER, cx)) {
            return Poll.pending();
        }
        if (io.flush(WRITER, cx).isPending()) {
            return Poll.pending();
        }
        return io.flushTransport(cx);
    }

    /** Sends close_notify, flushes it, then half-closes the transport. Idempotent once done. */
    Poll<Void> shutdown(Context cx) throws IOException {
        if (state.output() == StreamState.Output.SHUT) {
            return Poll.readyNull();
        }
        state.checkUsable();
        if (awaitingTask(WRITER, cx)) {
            return Poll.pending();
        }
        if (state.output() == StreamState.Output.OPEN) {
            driver.engine().closeOutbound();
            state.outputClosing();
        }
        // Wrap until the engine has nothing more to send. Not "until isOutboundDone()": Conscrypt reports its
        // outbound side done as soon as closeOutbound() returns, with the close_notify still to be wrapped.
        for (int idle = 0; ; idle++) {
            checkIdle(idle);
            if (!io.makeRoomForRecord(WRITER, cx)) {
                return Poll.pending();
            }
            SSLEngineResult r = wrapEngineOutput();
            if (r.bytesProduced() > 0) {
                cx.markProgress(); // the close_notify record made
                idle = 0;
            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED || driver.engine().isOutboundDone()) {
                break;
            } else if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                if (startTasks(WRITER, cx)) {
                    return Poll.pending();
                }
            } else if (r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
                break; // the engine would wait for the peer's close_notify; a half-close does not
            }
        }
        if (io.flush(WRITER, cx).isPending() || io.shutdownTransport(cx).isPending()) {
            return Poll.pending();
        }
        state.outputShut();
        cx.markProgress(); // the transport half-closed (once: a later call returns at the top)
        return Poll.readyNull();
    }

    private SSLException closedForWriting() {
        if (state.input() == StreamState.Input.CLOSE_NOTIFY) {
            String protocol = driver.engine().getSession().getProtocol();
            return new SSLException("cannot write: " + peer + " closed the TLS session (close_notify), and "
                    + ("TLSv1.3".equals(protocol)
                    ? "this SSLEngine closes both directions when the peer closes (BoringSSL does; the JDK's engine"
                    + " keeps this side open in TLS 1.3)"
                    : protocol + " closes both directions when one side does (TLS 1.3 would keep this side open)"));
        }
        return new SSLException("cannot write: the TLS session with " + peer + " is closed");
    }

    private static boolean hasRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    // =============================================================================================== tasks

    /** {@link DelegatedTasks#awaiting}, naming the wait for task dumps; a task's failure is fatal. */
    private boolean awaitingTask(int role, Context cx) throws IOException {
        try {
            if (tasks.awaiting(role, cx)) {
                cx.waitingOn(waitingTask);
                return true;
            }
            return false;
        } catch (SSLException e) {
            throw state.fail(e);
        }
    }

    /** {@link DelegatedTasks#start}; a thread that cannot be started is fatal. */
    private boolean startTasks(int role, Context cx) throws IOException {
        try {
            if (tasks.start(role, cx)) {
                cx.waitingOn(waitingTask);
                return true;
            }
            return false;
        } catch (SSLException e) {
            throw state.fail(e);
        }
    }

    // =============================================================================================== failure

    private void checkIdle(int idle) throws IOException {
        if (idle > MAX_IDLE_STEPS) {
            throw state.fail(new SSLException("SSLEngine made no progress in " + MAX_IDLE_STEPS
                    + " steps (handshake status " + driver.handshakeStatus() + "); giving up rather than spinning"));
        }
    }

    /**
     * An engine call failed: record it and, if the engine queued an alert, try once to send it without waiting.
     * The failure being reported is the one that matters; the alert is best effort.
     */
    private SSLException failed(EngineDriver.EngineFailure f) {
        SSLException e = state.fail(f.error());
        if (f.alertQueued()) {
            try {
                if (driver.wrapQueuedQuietly()) {
                    io.writeQuietly();
                }
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        return e;
    }
}
