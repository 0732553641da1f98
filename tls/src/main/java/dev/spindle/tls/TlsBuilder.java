package dev.spindle.tls;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings {@link TlsConnector.Builder} and {@link TlsAcceptor.Builder} share: ALPN, protocol versions,
 * cipher suites, the engine, the handshake deadline and whether close_notify is required. Each is validated when
 * set (into {@link CommonSettings}, which the built connector or acceptor copies); each side adds its own
 * settings (host name checks and SNI; client authentication and a context per server name).
 *
 * @param <B> the concrete builder, returned by every setter so calls chain
 * @param <T> what {@link #build()} makes
 */
public abstract sealed class TlsBuilder<B extends TlsBuilder<B, T>, T> permits TlsConnector.Builder, TlsAcceptor.Builder {
    final SSLContext context;
    final CommonSettings settings = new CommonSettings();

    TlsBuilder(SSLContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this; // sealed: B is always the class of this builder
    }

    /**
     * ALPN protocol names in order of preference. A connector offers them (default: none, no ALPN extension);
     * an acceptor speaks them, and the first one the client offers wins (a client offering only others is
     * refused with {@code no_application_protocol}).
     */
    public B alpn(String... protocols) {
        settings.alpn(protocols);
        return self();
    }

    /** Protocol versions to enable, e.g. {@code "TLSv1.3"} (default: the engine's). */
    public B protocols(String... protocols) {
        settings.protocols(protocols);
        return self();
    }

    /** Cipher suites to enable (default: the engine's). */
    public B cipherSuites(String... suites) {
        settings.cipherSuites(suites);
        return self();
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
    public B engine(TlsEngine engine) {
        settings.engine(engine);
        return self();
    }

    /** How engines are made, for an implementation {@link TlsEngine} does not name; replaces {@link #engine}. */
    public B engineFactory(EngineFactory factory) {
        settings.engineFactory(factory);
        return self();
    }

    /** Deadline of the handshake (default 10 s); when it passes, the connection is closed. */
    public B handshakeTimeout(Duration limit) {
        settings.handshakeTimeout(limit);
        return self();
    }

    /**
     * Whether a TCP EOF without close_notify is a truncation error (default {@code true}, as TLS requires).
     * {@code false} reads it as a plain end of stream, for peers known to close without close_notify; EOF
     * inside a record stays an error.
     */
    public B requireCloseNotify(boolean on) {
        settings.requireCloseNotify = on;
        return self();
    }

    /**
     * The connector or acceptor.
     *
     * @throws IllegalArgumentException if {@link TlsEngine#BORINGSSL} was chosen and the context's key material
     *                                  is unknown (a context not built by {@link Certificates}), or with cipher
     *                                  suites BoringSSL would not honour
     */
    public abstract T build();
}
