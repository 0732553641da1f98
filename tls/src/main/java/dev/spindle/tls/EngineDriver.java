package dev.spindle.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;

/**
 * An {@link SSLEngine} and its three record buffers, with no transport, no task context and no threads: it
 * wraps and unwraps, reads the engine's statuses, and grows its buffers when the session asks for more. What
 * rustls keeps in its connection core and Netty in the middle of {@code SslHandler}; the stream around it
 * ({@link TlsStream}) moves the ciphertext to and from the transport and decides who waits. Two drivers over
 * two engines talk to each other in memory by moving {@link #outbound()} of one into {@link #inboundToFill()}
 * of the other ({@code EngineDriverTest}).
 *
 * <h2>Buffers</h2>
 * Three heap buffers, sized from the session's packet and application buffer sizes and lent by
 * {@link RecordBuffers} ({@link #takeBuffers()} when a poll starts, {@link #giveBackEmptyBuffers()} when it ends),
 * each kept in "read mode" (pending bytes between position and limit):
 * <ul>
 *   <li>{@code netIn}: ciphertext read from the transport, not yet unwrapped (two packets, so one transport
 *       read can bring more than one record).</li>
 *   <li>{@code appIn}: plaintext unwrapped but not yet read by the caller. A read unwraps straight into the
 *       caller's buffer and lets the engine spill the rest of a record into {@code appIn} (a two-buffer
 *       scatter), so a small read buffer costs no extra copy of the part that fits.</li>
 *   <li>{@code netOut}: ciphertext wrapped but not yet written (two packets: the JDK engine wraps only into a
 *       buffer with a whole packet free, and two let the next record be wrapped while one waits).</li>
 * </ul>
 * A buffer grows only when the engine reports a larger session packet or application size (BUFFER_OVERFLOW, or
 * BUFFER_UNDERFLOW with a full {@code netIn}), and {@code netOut} only where room for a record is made
 * ({@link #makeRoomForRecord()}, the one place that checks for it). In steady state
 * nothing is allocated per record here; the engine itself allocates an {@link SSLEngineResult} per call, which
 * the API leaves no way to avoid.
 *
 * <h2>Failures</h2>
 * An engine call that throws leaves every buffer back in read mode and comes out as an {@link EngineFailure}
 * saying whether the engine has queued an alert worth sending ({@link #wrapQueuedQuietly()} wraps it); recording
 * the failure and writing the alert is the stream's job.
 *
 * <h2>Threads</h2>
 * None of its own: the stream calls it under its lock only, which orders everything here.
 */
final class EngineDriver {
    /** TLS record content type of application data (RFC 8446 5.1, RFC 5246 6.2.1). */
    private static final byte APPLICATION_DATA = 23;

    /** What one unwrap means to the caller: the one place an unwrap's status is read. */
    enum Inbound {
        /** A record was unwrapped (data, handshake or post-handshake message): bytes moved. */
        PROGRESS,
        /** Nothing moved, but the engine wants a step first (a wrap, a task) or {@code appIn} grew: again. */
        AGAIN,
        /** The peer's close_notify was unwrapped; whatever followed it in {@code netIn} was dropped. */
        CLOSE_NOTIFY,
        /** {@code netIn} holds no whole record: read more ciphertext (there is room for it). */
        NEED_INPUT
    }

    /** An engine call failed; the buffers are back in read mode. */
    static final class EngineFailure extends Exception {
        private final SSLException error;
        private final boolean alertQueued;

        EngineFailure(SSLException error, boolean alertQueued) {
            super(error.getMessage(), error, false, false);
            this.error = error;
            this.alertQueued = alertQueued;
        }

        /** The failure, as the caller reports it. */
        SSLException error() {
            return error;
        }

        /**
         * Whether the engine knew what went wrong and queued an alert the peer should get: false for an
         * unchecked exception out of the engine or a callback (what the engine queued then may not reflect it).
         */
        boolean alertQueued() {
            return alertQueued;
        }
    }

    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private int packetSize;
    private int appSize;
    /** TLS 1.3: every record says application_data on the outside; set when the handshake is done. */
    private boolean recordTypesHidden;
    private final ByteBuffer emptySource = ByteBuffer.allocate(0);
    private final ByteBuffer[] emptySources = {emptySource};
    private final ByteBuffer[] unwrapTargets = new ByteBuffer[2];

    EngineDriver(SSLEngine engine) {
        this.engine = engine;
        SSLSession s = engine.getSession();
        packetSize = s.getPacketBufferSize();
        appSize = s.getApplicationBufferSize();
    }

    SSLEngine engine() {
        return engine;
    }

    HandshakeStatus handshakeStatus() {
        return engine.getHandshakeStatus();
    }

    /** The handshake is done: learn whether record types are hidden (TLS 1.3) and the session's final sizes. */
    void handshakeFinished() {
        recordTypesHidden = "TLSv1.3".equals(engine.getSession().getProtocol());
        refreshSizes();
    }

    boolean recordTypesHidden() {
        return recordTypesHidden;
    }

    // =============================================================================================== buffers

    /**
     * Ciphertext that arrived before the driver existed (the acceptor read the ClientHello to choose the
     * engine): the engine reads these bytes first. Before the first {@link #takeBuffers()} only.
     */
    void seedInbound(ByteBuffer bytes) {
        if (netIn != null) {
            throw new IllegalStateException("seedInbound after the stream was polled");
        }
        netIn = RecordBuffers.PACKETS.take(Math.max(2 * packetSize, bytes.remaining()));
        netIn.clear();
        netIn.put(bytes);
        netIn.flip();
    }

    /** First thing in every poll: takes back the buffers given back when the last poll ended. */
    void takeBuffers() {
        if (netIn == null) {
            netIn = RecordBuffers.PACKETS.take(2 * packetSize);
        }
        if (appIn == null) {
            appIn = RecordBuffers.PLAINTEXT.take(appSize);
        }
        if (netOut == null) {
            netOut = RecordBuffers.PACKETS.take(2 * packetSize);
        }
    }

    /**
     * Last thing in every poll: gives back each buffer that holds no bytes, so a connection waiting for its peer
     * holds none. A buffer with bytes (half a record, unread plaintext, unsent ciphertext) stays until they are
     * used up. Also forgets the caller's buffers the last unwrap scattered into.
     */
    void giveBackEmptyBuffers() {
        unwrapTargets[0] = null; // do not keep the caller's buffer reachable
        unwrapTargets[1] = null; // nor appIn, which may go back to the cache
        if (netIn != null && !netIn.hasRemaining()) {
            RecordBuffers.PACKETS.give(netIn);
            netIn = null;
        }
        if (appIn != null && !appIn.hasRemaining()) {
            RecordBuffers.PLAINTEXT.give(appIn);
            appIn = null;
        }
        if (netOut != null && !netOut.hasRemaining()) {
            RecordBuffers.PACKETS.give(netOut);
            netOut = null;
        }
    }

    /** On close: whatever the buffers hold will never be sent or read; they go back to the cache. */
    void discardBuffers() {
        for (ByteBuffer b : new ByteBuffer[] {netIn, appIn, netOut}) {
            if (b != null) {
                b.position(b.limit());
            }
        }
        giveBackEmptyBuffers();
    }

    /** Bytes of buffer held between polls: 0 when idle (tests). */
    int heldBufferBytes() {
        return (netIn == null ? 0 : netIn.capacity()) + (appIn == null ? 0 : appIn.capacity())
                + (netOut == null ? 0 : netOut.capacity());
    }

    private void refreshSizes() {
        SSLSession s = engine.getSession();
        packetSize = Math.max(packetSize, s.getPacketBufferSize());
        appSize = Math.max(appSize, s.getApplicationBufferSize());
    }

    // =============================================================================================== inbound

    /** {@code netIn} compacted into write mode, for the transport to fill; then {@link #inboundFilled()}. */
    ByteBuffer inboundToFill() {
        netIn.compact();
        return netIn;
    }

    /** Back to read mode after {@link #inboundToFill()}. */
    void inboundFilled() {
        netIn.flip();
    }

    /** Ciphertext not yet unwrapped. */
    int inboundBytes() {
        return netIn.remaining();
    }

    /** Drops the ciphertext not yet unwrapped (after close_notify, or a truncated record). */
    void discardInbound() {
        netIn.position(netIn.limit());
    }

    /**
     * Whether the next record in {@code netIn} is visibly not application data: a TLS 1.2 (or older) alert or
     * handshake record, whose type is in clear in the record header. (TLS 1.3 hides every type behind
     * application_data; it also keeps our side open after close_notify, so it needs no such care.)
     */
    boolean nextRecordIsControl() {
        return netIn.hasRemaining() && netIn.get(netIn.position()) != APPLICATION_DATA;
    }

    /** Whether a record may follow in {@code netIn} that must not be unwrapped together with data before it. */
    boolean controlRecordMayFollow() {
        return nextRecordIsControl() || (recordTypesHidden && netIn.hasRemaining());
    }

    boolean hasPlaintext() {
        return appIn.hasRemaining();
    }

    /** Whether {@code appIn} holds more than {@code max} bytes once one more record is unwrapped into it. */
    boolean plaintextWouldExceed(int max) {
        return appIn.remaining() + appSize > max;
    }

    /** Copies buffered plaintext into {@code dst}; the number of bytes copied. */
    int drainPlaintext(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        return n;
    }

    /**
     * Unwraps one record from {@code netIn} into {@code dst} (if given, and only while no plaintext is buffered,
     * to keep the order) and then {@code appIn}; grows {@code netIn} or {@code appIn} when the engine needs more
     * room. {@code CLOSED} means the peer's close_notify only if the engine's inbound side is done: Conscrypt also
     * answers {@code CLOSED} (with the record's data) to every unwrap after our own close_notify, while the peer
     * may still send, so that is read as {@code OK}.
     */
    Inbound unwrap(ByteBuffer dst) throws EngineFailure {
        SSLEngineResult r = unwrapOnce(dst);
        boolean moved = r.bytesConsumed() > 0 || r.bytesProduced() > 0;
        SSLEngineResult.Status st = r.getStatus();
        if (st == SSLEngineResult.Status.CLOSED && !engine.isInboundDone()) {
            st = SSLEngineResult.Status.OK;
        }
        return switch (st) {
            case OK -> {
                if (moved) {
                    yield Inbound.PROGRESS;
                }
                HandshakeStatus after = r.getHandshakeStatus();
                yield after == HandshakeStatus.NEED_WRAP || after == HandshakeStatus.NEED_TASK
                        ? Inbound.AGAIN : Inbound.NEED_INPUT; // nothing moved, nothing wanted: more input
            }
            case CLOSED -> {
                discardInbound(); // whatever follows close_notify is not ours to read
                yield Inbound.CLOSE_NOTIFY;
            }
            case BUFFER_UNDERFLOW -> {
                growInboundIfFull();
                yield Inbound.NEED_INPUT;
            }
            case BUFFER_OVERFLOW -> {
                growPlaintext();
                yield Inbound.AGAIN;
            }
        };
    }

    private SSLEngineResult unwrapOnce(ByteBuffer dst) throws EngineFailure {
        boolean direct = dst != null && !appIn.hasRemaining();
        if (appIn.hasRemaining()) {
            appIn.compact();
        } else {
            appIn.clear();
        }
        try {
            if (direct) {
                unwrapTargets[0] = dst;
                unwrapTargets[1] = appIn;
                return engine.unwrap(netIn, unwrapTargets);
            }
            return engine.unwrap(netIn, appIn);
        } catch (SSLException e) {
            throw new EngineFailure(BoringSsl.clarify(e), true);
        } catch (RuntimeException e) {
            // Not a TLS failure the engine knows about: an engine bug, or a callback that threw (our ALPN
            // selector for BoringSSL). What the engine queued meanwhile may not reflect it (Conscrypt carries on
            // with the handshake when a callback throws, and would send its flight): send nothing.
            throw new EngineFailure(engineFailure("unwrap", e), false);
        } finally {
            appIn.flip();
        }
    }

    /** After BUFFER_UNDERFLOW: make sure the next transport read has room for the rest of the record. */
    private void growInboundIfFull() {
        refreshSizes();
        if (netIn.position() == 0 && netIn.limit() == netIn.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(2 * packetSize, netIn.capacity() + packetSize));
            bigger.put(netIn).flip();
            netIn = bigger;
        }
    }

    /** After BUFFER_OVERFLOW of an unwrap: room in {@code appIn} for one more record. */
    private void growPlaintext() {
        refreshSizes();
        int needed = appIn.remaining() + appSize;
        if (needed > appIn.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(needed);
            bigger.put(appIn).flip();
            appIn = bigger;
        }
    }

    // =============================================================================================== outbound

    /** Ciphertext wrapped and not yet written, in read mode: the transport writes from it. */
    ByteBuffer outbound() {
        return netOut;
    }

    boolean hasOutbound() {
        return netOut.hasRemaining();
    }

    /** Drops the ciphertext not yet written (the transport failed: it can never be sent). */
    void discardOutbound() {
        netOut.position(netOut.limit());
    }

    /** Whether {@code netOut} has a whole packet free: the JDK engine wraps only then. The one such check. */
    boolean hasRoomForRecord() {
        return netOut.capacity() - netOut.remaining() >= packetSize;
    }

    /**
     * Makes room for one record without writing anything: {@code true} if there is room, growing an empty
     * {@code netOut} that is too small for the session's packets; {@code false} if its bytes must be written
     * first.
     */
    boolean makeRoomForRecord() {
        if (hasRoomForRecord()) {
            return true;
        }
        if (!netOut.hasRemaining()) {
            netOut = ByteBuffer.allocate(2 * packetSize).flip();
            return true;
        }
        return false;
    }

    /**
     * Wraps from {@code srcs} into {@code netOut} (the caller made room). BUFFER_OVERFLOW re-reads the session's
     * sizes (so the next {@link #makeRoomForRecord()} grows) and comes back for the caller to try again;
     * BUFFER_UNDERFLOW, which a wrap never reports, is a failure.
     */
    SSLEngineResult wrap(ByteBuffer[] srcs) throws EngineFailure {
        SSLEngineResult r;
        netOut.compact();
        try {
            r = engine.wrap(srcs, netOut);
        } catch (SSLException e) {
            throw new EngineFailure(BoringSsl.clarify(e), true);
        } catch (RuntimeException e) {
            throw new EngineFailure(engineFailure("wrap", e), true);
        } finally {
            netOut.flip();
        }
        switch (r.getStatus()) {
            case BUFFER_OVERFLOW -> refreshSizes();
            case BUFFER_UNDERFLOW -> throw new EngineFailure(
                    new SSLException("SSLEngine.wrap reported BUFFER_UNDERFLOW"), false);
            default -> {
            }
        }
        return r;
    }

    /** Wraps what the engine has to send on its own (handshake, post-handshake, alert, close_notify records). */
    SSLEngineResult wrapEngineOutput() throws EngineFailure {
        return wrap(emptySources);
    }

    /**
     * Wraps whatever the engine has queued (an alert, close_notify) into {@code netOut} as far as it has room,
     * ignoring failures: for a failure or close that is already being reported. {@code true} if {@code netOut}
     * has bytes to write.
     */
    boolean wrapQueuedQuietly() {
        for (int i = 0; i < 4 && hasRoomForRecord(); i++) {
            netOut.compact();
            try {
                if (engine.wrap(emptySources, netOut).bytesProduced() == 0) {
                    break;
                }
            } catch (SSLException | RuntimeException ignored) {
                break; // nothing more to send
            } finally {
                netOut.flip();
            }
        }
        return netOut.hasRemaining();
    }

    /**
     * An unchecked exception out of {@code wrap}/{@code unwrap}: an engine bug, or a callback of ours or the
     * user's (ALPN selector, key or trust manager) that had to throw unchecked; if it carries an
     * {@link SSLException}, that is the failure, as the callback meant it.
     */
    private static SSLException engineFailure(String call, RuntimeException e) {
        if (e.getCause() instanceof SSLException cause) {
            return cause;
        }
        return new SSLException("SSLEngine." + call + " failed: " + e, e);
    }
}
