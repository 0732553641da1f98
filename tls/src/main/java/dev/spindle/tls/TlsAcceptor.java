package dev.spindle.tls;

import dev.spindle.Future;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.UncheckedIOException;
import java.time.Duration;
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
    public static final class Builder {
        private final SSLContext context;
        private final CommonSettings settings = new CommonSettings();
        private ClientAuth clientAuth = ClientAuth.NONE;

        private Builder(SSLContext context) {
            this.context = Objects.requireNonNull(context, "context");
        }

        /** Whether to ask clients for a certificate (default {@link ClientAuth#NONE}). */
        public Builder clientAuth(ClientAuth mode) {
            clientAuth = Objects.requireNonNull(mode, "clientAuth");
            return this;
        }

        /** ALPN protocols the server speaks, in its order of preference; the first one the client offers wins. */
        public Builder alpn(String... protocols) {
            settings.alpn(protocols);
            return this;
        }

        /** Protocol versions to enable, e.g. {@code "TLSv1.3"} (default: the engine's). */
        public Builder protocols(String... protocols) {
            settings.protocols(protocols);
            return this;
        }

        /** Cipher suites to enable (default: the engine's). */
        public Builder cipherSuites(String... suites) {
            settings.cipherSuites(suites);
            return this;
        }

        /**
         * The TLS implementation (default {@link TlsEngine#JDK}). {@link TlsEngine#BORINGSSL} needs
         * {@code org.conscrypt:conscrypt-openjdk-uber} on the class path, a context built by {@link Certificates}
         * or {@link SelfSigned} (or by Conscrypt), and the JVM flag {@code --enable-native-access=ALL-UNNAMED}
         * (without it JDK 24+ prints a warning about a restricted method when the native library loads); see
         * {@link TlsEngine}. Replaces an {@link #engineFactory}.
         *
         * @throws IllegalStateException if the engine cannot be used in this JVM (the message says what to add)
         */
        public Builder engine(TlsEngine engine) {
            settings.engine(engine);
            return this;
        }

        /** How engines are made, for an implementation {@link TlsEngine} does not name; replaces {@link #engine}. */
        public Builder engineFactory(EngineFactory factory) {
            settings.engineFactory(factory);
            return this;
        }

        /** Deadline of the handshake (default 10 s); when it passes, the connection is closed. */
        public Builder handshakeTimeout(Duration limit) {
            settings.handshakeTimeout(limit);
            return this;
        }

        /**
         * Whether a TCP EOF without close_notify is a truncation error (default {@code true}). {@code false}
         * reads it as a plain end of stream; EOF inside a record stays an error.
         */
        public Builder requireCloseNotify(boolean on) {
            settings.requireCloseNotify = on;
            return this;
        }

        /**
         * The acceptor.
         *
         * @throws IllegalArgumentException if {@link TlsEngine#BORINGSSL} was chosen and the context's key material
         *                                  is unknown (a context not built by {@link Certificates})
         */
        public TlsAcceptor build() {
            return new TlsAcceptor(this);
        }
    }
}
