package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.net.TcpStream;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The future of {@link TlsConnector#connect} and {@link TlsAcceptor#accept}: makes the engine on its first poll
 * (nothing happens before, as for every future), drives the handshake, and completes with the stream.
 *
 * <p>It owns the transport until it completes: on failure it closes the transport (after the engine's alert
 * was given one chance to go out) and fails with an {@link UncheckedIOException} whose cause is the
 * {@link javax.net.ssl.SSLException} (or the transport's {@link IOException}); when cancelled (an aborted task,
 * a lost {@code select}, the handshake timeout) it closes the transport too.
 */
final class Handshake<S extends AsyncRead & AsyncWrite> implements Future<TlsStream<S>> {
    private final Supplier<SSLEngine> engineFactory;
    private final Consumer<SSLEngine> release;
    private final S transport;
    private final boolean requireCloseNotify;
    private final String peer;
    private TlsStream<S> stream;
    /** The handshake failed; its alert is being written before the failure is reported. */
    private IOException failed;
    private boolean done;

    private Handshake(Supplier<SSLEngine> engineFactory, Consumer<SSLEngine> release, S transport,
            boolean requireCloseNotify, String peer) {
        this.engineFactory = engineFactory;
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
        Future<TlsStream<S>> inner = Time.timeout(limit,
                new Handshake<>(engineFactory, release, transport, requireCloseNotify, peer));
        return new Future<>() {
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
        };
    }

    @Override
    public Poll<TlsStream<S>> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("TLS handshake future polled after it completed");
        }
        try {
            if (failed == null) {
                if (stream == null) {
                    stream = new TlsStream<>(engineFactory.get(), release, transport, requireCloseNotify, peer);
                }
                try {
                    if (stream.pollHandshake(cx).isPending()) {
                        return Poll.pending();
                    }
                    done = true;
                    return Poll.ready(stream);
                } catch (IOException e) {
                    failed = e;
                }
            }
            // The peer deserves the alert that says why (bad certificate, no common protocol...): write it first.
            if (stream.pollFlushAlert(cx).isPending()) {
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
