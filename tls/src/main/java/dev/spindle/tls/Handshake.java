package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.net.TcpStream;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The future of {@link TlsConnector#connect} and {@link TlsAcceptor#accept}: makes the engine on its first poll
 * (nothing happens before, as for every future), drives the handshake, and completes with the stream.
 *
 * <p>For an acceptor that serves several host names, the engine depends on the server name the client asks
 * for: the future first reads the client's bytes until they hold its whole ClientHello ({@link ClientHello}),
 * has the acceptor make the engine for that name, and gives the engine those bytes before anything read later.
 * A client the acceptor refuses at that point (an unknown name, with {@code rejectUnknownServerNames}) is sent a
 * fatal alert record written here, since no engine exists to write it.
 *
 * <p>It owns the transport until it completes: on failure it closes the transport (after the engine's alert
 * was given one chance to go out) and fails with an {@link UncheckedIOException} whose cause is the
 * {@link javax.net.ssl.SSLException} (or the transport's {@link IOException}); when cancelled (an aborted task,
 * a lost {@code select}, the handshake timeout) it closes the transport too.
 */
final class Handshake<S extends AsyncRead & AsyncWrite> implements Future<TlsStream<S>>, Described {
    private static final byte ALERT_RECORD = 21;
    private static final byte FATAL = 2;

    /**
     * Read before the first engine is made, for an acceptor with per-name contexts: at most this many bytes of
     * ClientHello records. A ClientHello is at most {@link ClientHello#MAX_LENGTH} bytes; the rest allows for its
     * record headers when a client splits it into many small records.
     */
    static final int MAX_SNIFFED = ClientHello.MAX_LENGTH + 4096;
    /** The first buffer for sniffing: one read of a typical ClientHello (200 bytes to 2 KB). */
    private static final int SNIFF_BUFFER = 2048;

    private final Supplier<SSLEngine> engineFactory;
    /** For an acceptor with per-name contexts: makes the engine from the ClientHello; null otherwise. */
    private final ByServerName byServerName;
    private final Consumer<SSLEngine> release;
    private final S transport;
    private final boolean requireCloseNotify;
    private final String peer;
    private TlsStream<S> stream;
    /** The client's first bytes, while {@link #byServerName} waits for its whole ClientHello (write mode). */
    private ByteBuffer sniffed;
    /** A client refused before any engine was made: the alert record that says why, being written. */
    private ByteBuffer refusal;
    /** The handshake failed; its alert is being written before the failure is reported. */
    private IOException failed;
    private boolean done;

    /**
     * Chooses the engine of an acceptor that serves several host names from what the client's first bytes say
     * (see {@link ServerNames}).
     */
    interface ByServerName {
        /** The engine for this ClientHello; throws to refuse the client with the exception's alert. */
        SSLEngine engineFor(ClientHello.Sniff hello) throws Refused;
    }

    /** A client refused from its ClientHello alone, with the TLS alert it is sent (RFC 8446 section 6). */
    static final class Refused extends SSLHandshakeException {
        private static final long serialVersionUID = 1L;
        /** The alert description (e.g. 112, unrecognized_name). */
        final transient byte alert;

        Refused(String message, int alert) {
            super(message);
            this.alert = (byte) alert;
        }
    }

    private Handshake(Supplier<SSLEngine> engineFactory, ByServerName byServerName, Consumer<SSLEngine> release,
            S transport, boolean requireCloseNotify, String peer) {
        this.engineFactory = engineFactory;
        this.byServerName = byServerName;
        this.release = release;
        this.transport = transport;
        this.requireCloseNotify = requireCloseNotify;
        this.peer = peer;
    }

    /**
     * The handshake over {@code transport}, failing with an {@link SSLHandshakeException} after {@code limit}.
     * {@code release} frees the engine when the stream is closed (see {@link EngineFactory#release}).
     */
    static <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> withTimeout(Supplier<SSLEngine> engineFactory,
            Consumer<SSLEngine> release, S transport, boolean requireCloseNotify, String peer, Duration limit) {
        return withTimeout(new Handshake<>(engineFactory, null, release, transport, requireCloseNotify, peer),
                peer, limit);
    }

    /**
     * As {@link #withTimeout(Supplier, Consumer, AsyncRead, boolean, String, Duration)}, for an acceptor whose
     * engine depends on the server name the client asks for: the ClientHello is read first (within the same
     * deadline), {@code byServerName} makes the engine, and the engine then reads the same bytes.
     */
    static <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> withTimeout(ByServerName byServerName,
            Consumer<SSLEngine> release, S transport, boolean requireCloseNotify, String peer, Duration limit) {
        return withTimeout(new Handshake<>(null, byServerName, release, transport, requireCloseNotify, peer),
                peer, limit);
    }

    private static <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> withTimeout(Handshake<S> handshake,
            String peer, Duration limit) {
        return new WithTimeout<>(handshake, Time.timeout(limit, handshake), peer, limit);
    }

    /**
     * The handshake under its deadline. A named class that describes the handshake (not the timer around it), so
     * that diagnostics read {@code WithTimeout<Handshake<TlsStream<TcpStream>>>}.
     */
    private static final class WithTimeout<S extends AsyncRead & AsyncWrite>
            implements Future<TlsStream<S>>, Described {
        private final Handshake<S> handshake;
        private final Future<TlsStream<S>> inner;
        private final String peer;
        private final Duration limit;

        WithTimeout(Handshake<S> handshake, Future<TlsStream<S>> inner, String peer, Duration limit) {
            this.handshake = handshake;
            this.inner = inner;
            this.peer = peer;
            this.limit = limit;
        }

        @Override
        public Poll<TlsStream<S>> poll(Context cx) {
            try {
                return inner.poll(cx);
            } catch (DeadlineExceededException e) {
                // The handshake was cancelled, which closed the transport.
                throw new UncheckedIOException(new SSLHandshakeException("TLS handshake with " + peer
                        + " timed out: not completed within " + limit + " (handshakeTimeout); the connection"
                        + " was closed", e));
            }
        }

        @Override
        public void cancel() {
            inner.cancel();
        }

        @Override
        public List<?> children() {
            return List.of(handshake);
        }
    }

    /** The stream once it exists (it describes the transport), else the transport. */
    @Override
    public List<?> children() {
        TlsStream<S> s = stream;
        return List.of(s != null ? s : transport);
    }

    @Override
    public Poll<TlsStream<S>> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("TLS handshake future polled after it completed");
        }
        try {
            if (failed == null) {
                try {
                    if (stream == null) {
                        if (byServerName == null) {
                            stream = new TlsStream<>(engineFactory.get(), release, transport, requireCloseNotify,
                                    peer);
                        } else if (sniffServerName(cx).isPending()) {
                            return Poll.pending();
                        }
                    }
                    if (stream.pollHandshake(cx).isPending()) {
                        return Poll.pending();
                    }
                    done = true;
                    return Poll.ready(stream);
                } catch (Refused e) {
                    failed = e;
                    refusal = ByteBuffer.wrap(new byte[]{ALERT_RECORD, 3, 3, 0, 2, FATAL, e.alert});
                } catch (IOException e) {
                    failed = e;
                }
            }
            // The peer deserves the alert that says why (bad certificate, no common protocol...): write it first.
            if (stream != null ? stream.pollFlushAlert(cx).isPending() : pollWriteRefusal(cx).isPending()) {
                return Poll.pending();
            }
            done = true;
            closeTransport();
            throw new UncheckedIOException("TLS handshake with " + peer + " failed: " + failed.getMessage(), failed);
        } catch (RuntimeException | Error e) {
            done = true;
            closeTransport();
            throw e;
        }
    }

    /**
     * Reads until the client's first bytes hold its whole ClientHello (or prove not to be one), then makes the
     * stream with the engine {@link #byServerName} chooses and hands it those bytes. Reads only while the
     * ClientHello is incomplete, so nothing of what follows it is taken from the transport here.
     */
    private Poll<Void> sniffServerName(Context cx) throws IOException {
        if (sniffed == null) {
            sniffed = ByteBuffer.allocate(SNIFF_BUFFER);
        }
        ClientHello.Sniff hello;
        while ((hello = ClientHello.sniff(sniffed.duplicate().flip())) instanceof ClientHello.NeedMore) {
            if (sniffed.position() >= MAX_SNIFFED) {
                hello = new ClientHello.NotAClientHello("more than " + MAX_SNIFFED + " bytes of records without a"
                        + " whole ClientHello");
                break;
            }
            if (!sniffed.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.min(2 * sniffed.capacity(), MAX_SNIFFED));
                sniffed = bigger.put(sniffed.flip());
            }
            Poll<Integer> n = transport.pollRead(cx, sniffed);
            if (n.isPending()) {
                return Poll.pending();
            }
            if (n.value() < 0) {
                throw new SSLHandshakeException("the connection was closed before the ClientHello was complete ("
                        + sniffed.position() + " bytes received)");
            }
        }
        stream = new TlsStream<>(byServerName.engineFor(hello), release, transport, requireCloseNotify, peer);
        stream.seedInbound(sniffed.flip());
        sniffed = null;
        return Poll.readyNull();
    }

    /** Writes the alert of a client refused before any engine was made. */
    private Poll<Void> pollWriteRefusal(Context cx) {
        try {
            while (refusal != null && refusal.hasRemaining()) {
                if (transport.pollWrite(cx, refusal).isPending()) {
                    return Poll.pending();
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client may be gone already; the failure reported is the refusal, not this
        }
        return Poll.readyNull();
    }

    @Override
    public void cancel() {
        if (!done) {
            done = true;
            closeTransport();
        }
    }

    private void closeTransport() {
        try {
            if (stream != null) {
                stream.close();
            } else if (transport instanceof AutoCloseable c) {
                c.close();
            }
        } catch (Exception e) {
            System.getLogger("dev.spindle.tls").log(System.Logger.Level.DEBUG,
                    "closing the transport after a failed TLS handshake with " + peer + " failed", e);
        }
    }

    /** How messages name the peer: its address for a TCP stream, else the transport's description. */
    static String describe(Object transport) {
        if (transport instanceof TcpStream tcp) {
            try {
                return tcp.remoteAddress().toString();
            } catch (IOException | RuntimeException e) {
                return "a closed TCP peer";
            }
        }
        return String.valueOf(transport);
    }
}
