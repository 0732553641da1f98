package dev.spindle.tls;

import javax.net.ssl.SSLException;
import java.io.IOException;

/**
 * What a {@link TlsStream} may still do: read, write, or nothing, and why not. One holder with named
 * transitions in place of the flags the stream used to keep side by side, so every way a direction ends is
 * spelled once and can be tested alone ({@code StreamStateTest}).
 *
 * <h2>The two directions</h2>
 * <pre>
 * input:   OPEN ──close_notify──▶ CLOSE_NOTIFY      (-1 after the buffered plaintext)
 *          OPEN ──transport EOF, close_notify not required──▶ EOF   (-1)
 *          OPEN ──transport EOF otherwise, or inside a record──▶ TRUNCATED  (the truncation error, every read)
 * output:  OPEN ──closeOutbound()──▶ CLOSING ──close_notify flushed, transport half-closed──▶ SHUT
 * </pre>
 * Neither goes back. Besides: the handshake finishes once; a fatal {@linkplain #fail failure} ends both
 * directions (the first one is kept); a {@linkplain #writeFailed write failure} ends only output, since what the
 * peer sent before it went away may still be read; {@linkplain #close() close} ends everything.
 *
 * <h2>Threads</h2>
 * Everything but {@code closed} is guarded by the stream's lock. {@code closed} is volatile: {@code close()}
 * writes it without the lock, and polls and the delegated-task thread read it (see
 * {@link TlsStream#close()} for what the read on the task thread pairs with). {@link #handshakeDone()} is also
 * read without the lock by task dumps, which accept a stale answer.
 *
 * <p>Package-private, like the other parts of the stream: nothing here is API, and the tests of the stream's
 * parts live in this package.
 */
final class StreamState {
    enum Input {
        /** Records may still come. */
        OPEN,
        /** The peer's close_notify was unwrapped: -1 after the buffered plaintext. */
        CLOSE_NOTIFY,
        /** Transport EOF without close_notify, accepted because close_notify is not required: -1. */
        EOF,
        /** Transport EOF that is an error (truncation): {@link #truncation()} is thrown. */
        TRUNCATED
    }

    enum Output {
        OPEN,
        /** {@code closeOutbound()} was called; close_notify may not be written yet. */
        CLOSING,
        /** close_notify flushed and the transport half-closed. */
        SHUT
    }

    private final String peer;

    // ---- guarded by the stream's lock
    private boolean handshakeDone;
    private Input input = Input.OPEN;
    private SSLException truncation;
    private Output output = Output.OPEN;
    /** The end of stream was returned once: a later -1 is no progress. */
    private boolean eofReported;
    /** Fatal for both directions: an engine error or a transport read error. */
    private IOException failure;
    /** A transport write failed: nothing more can be sent, but reading goes on. */
    private IOException writeFailure;
    /** The engine was released (once). */
    private boolean released;

    // ---- shared without the lock
    /** {@link #close()} was called; volatile: written without the lock, read by polls and the task thread. */
    private volatile boolean closed;

    StreamState(String peer) {
        this.peer = peer;
    }

    // ------------------------------------------------------------------------------------------- handshake

    void handshakeFinished() {
        handshakeDone = true;
    }

    boolean handshakeDone() {
        return handshakeDone;
    }

    // ------------------------------------------------------------------------------------------- input

    Input input() {
        return input;
    }

    boolean inputOpen() {
        return input == Input.OPEN;
    }

    /** The peer's close_notify was unwrapped. */
    void closeNotifyReceived() {
        input = Input.CLOSE_NOTIFY;
    }

    /** The transport ended without close_notify, which this stream does not require. */
    void inputEnded() {
        input = Input.EOF;
    }

    /** The transport ended where that is an error: {@code e} is thrown at every read from now on. */
    void inputTruncated(SSLException e) {
        input = Input.TRUNCATED;
        truncation = e;
    }

    /** The truncation error, new at each throw (its stack is the reader's), the recorded one as cause. */
    SSLException truncation() {
        return new SSLException(truncation.getMessage(), truncation);
    }

    /**
     * A read is about to return {@code -1}: {@code true} the first time (the end of stream is a result once;
     * repeating it moves nothing).
     */
    boolean firstEndOfStream() {
        boolean first = !eofReported;
        eofReported = true;
        return first;
    }

    // ------------------------------------------------------------------------------------------- output

    Output output() {
        return output;
    }

    /** {@code closeOutbound()} was called. */
    void outputClosing() {
        output = Output.CLOSING;
    }

    /** close_notify flushed and the transport half-closed. */
    void outputShut() {
        output = Output.SHUT;
    }

    /** A transport write failed: from now on nothing can be sent. */
    void writeFailed(IOException e) {
        writeFailure = e;
    }

    IOException writeFailure() {
        return writeFailure;
    }

    /** The error a write-side call throws once a transport write has failed. */
    IOException writeFailedEarlier() {
        return new IOException("TLS stream: writing to " + peer + " failed earlier: " + writeFailure.getMessage(),
                writeFailure);
    }

    // ------------------------------------------------------------------------------------------- failure

    /** Records a fatal failure (the first one wins) and returns {@code e} for the caller to throw. */
    <E extends IOException> E fail(E e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    boolean failed() {
        return failure != null;
    }

    // ------------------------------------------------------------------------------------------- closing

    /** {@code true} the first time (then the caller closes); {@code closed} is written (volatile) before it returns. */
    boolean close() {
        if (closed) { // volatile read
            return false;
        }
        closed = true; // volatile write: polls on other threads and the task thread see it at their next read
        return true;
    }

    /** Volatile read of {@code closed}. */
    boolean isClosed() {
        return closed;
    }

    /** {@code true} the first time: the engine's native state is freed once. */
    boolean releaseOnce() {
        if (released) {
            return false;
        }
        released = true;
        return true;
    }

    // ------------------------------------------------------------------------------------------- checks

    /** Throws if the stream was closed or failed. */
    void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("TLS stream closed: close() was called on this TlsStream");
        }
        IOException f = failure;
        if (f != null) {
            throw f instanceof SSLException ? new SSLException("TLS stream failed earlier: " + f.getMessage(), f)
                    : new IOException("TLS stream failed earlier: " + f.getMessage(), f);
        }
    }

    /** Throws unless application data may still be written. */
    void checkWritable() throws IOException {
        checkUsable();
        if (writeFailure != null) {
            throw writeFailedEarlier();
        }
        if (output != Output.OPEN) {
            throw new IOException("TLS stream: write after shutdown (close_notify was already sent to " + peer + ")");
        }
    }
}
