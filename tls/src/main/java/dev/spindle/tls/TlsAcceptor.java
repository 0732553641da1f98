package dev.spindle.tls;

import dev.spindle.Future;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The server side: turns an accepted stream into a {@link TlsStream} with a handshake.
 *
 * <pre>{@code
 * TlsAcceptor acceptor = TlsAcceptor.builder(Certificates.keyContext(chainPem, keyPem)).alpn("h2", "http/1.1").build();
 * // in the accept loop, one task per connection:
 * rt.spawn(acceptor.accept(tcp).flatMap(tls -> serve(tls)));
 * }</pre>
 *
 * <ul>
 *   <li>ALPN: with {@link Builder#alpn} set, the server picks the first of <em>its</em> protocols that the
 *       client offers; a client that offers ALPN but none of them fails the handshake
 *       ({@code no_application_protocol}, RFC 7301); a client without ALPN gets none.</li>
 *   <li>Client certificates: {@link Builder#clientAuth} (default {@link ClientAuth#NONE}); the context's trust
 *       managers decide which are trusted.</li>
 *   <li>The handshake must finish within {@link Builder#handshakeTimeout} (default 10 s), so a client that
 *       stalls cannot hold a connection and a task.</li>
 *   <li>The TLS implementation is the JDK's unless {@link Builder#engine(TlsEngine) engine(TlsEngine.BORINGSSL)}
 *       picks BoringSSL.</li>
 * </ul>
 * An acceptor is immutable and may be shared by any number of tasks.
 */
public final class TlsAcceptor {
    private final CommonSettings.Resolved engines;
    private final CommonSettings settings;
    private final ClientAuth clientAuth;

    private TlsAcceptor(Builder b) {
        this.settings = b.settings.copy();
        this.engines = settings.resolve(b.context);
        this.clientAuth = b.clientAuth;
    }

    /** A builder for acceptors using {@code context} (its key managers hold the server's certificate). */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /**
     * A future that runs the server handshake over {@code stream} and completes with the TLS stream. Lazy;
     * polled on a runtime worker (the handshake timeout needs the timer). On failure (an
     * {@link UncheckedIOException} whose cause is the {@link SSLException}) or cancellation, {@code stream} is
     * closed.
     */
    public <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> accept(S stream) {
        Objects.requireNonNull(stream, "stream");
        String peer = Handshake.describe(stream);
        return Handshake.withTimeout(this::newEngine, engines.factory()::release, stream, settings.requireCloseNotify,
                peer, settings.handshakeTimeout);
    }

    private SSLEngine newEngine() {
        return engines.create(null, -1, engine -> {
            engine.setUseClientMode(false);
            SSLParameters p = engine.getSSLParameters();
            switch (clientAuth) {
                case NONE -> p.setNeedClientAuth(false);
                case WANT -> p.setWantClientAuth(true);
                case NEED -> p.setNeedClientAuth(true);
            }
            settings.applyTo(p);
            boolean alpnSelector = engines.boringSsl() && !settings.alpn.isEmpty();
            if (alpnSelector) {
                p.setApplicationProtocols(new String[0]); // BoringSSL would choose from this list, not the selector
            }
            engine.setSSLParameters(p);
            if (alpnSelector) {
                BoringSsl.requireAlpnMatch(engine, settings.alpn);
            }
            try {
                engine.beginHandshake();
            } catch (SSLException e) {
                throw new UncheckedIOException("cannot start a TLS handshake: " + e.getMessage(), e);
            }
        });
    }

    /** Settings of an acceptor; each is validated when set. */
    public static final class Builder extends TlsBuilder<Builder, TlsAcceptor> {
        private ClientAuth clientAuth = ClientAuth.NONE;

        private Builder(SSLContext context) {
            super(context);
        }

        /** Whether to ask clients for a certificate (default {@link ClientAuth#NONE}). */
        public Builder clientAuth(ClientAuth mode) {
            clientAuth = Objects.requireNonNull(mode, "clientAuth");
            return this;
        }

        @Override
        public TlsAcceptor build() {
            return new TlsAcceptor(this);
        }
    }
}
