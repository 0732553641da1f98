package dev.spindle.tls;

import dev.spindle.Future;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * The client side: turns a connected stream into a {@link TlsStream} with a handshake.
 *
 * <pre>{@code
 * TlsConnector connector = TlsConnector.builder(Certificates.trustContext(caPem)).alpn("h2", "http/1.1").build();
 * Future<TlsStream<TcpStream>> tls = TcpStream.connect(addr).flatMap(tcp -> connector.connect("example.com", tcp));
 * }</pre>
 *
 * <ul>
 *   <li><b>Host name verification is on</b> (endpoint identification "HTTPS": the certificate must name the host
 *       given to {@link #connect}, as a DNS or IP subject alternative name). Turn it off only for tests.</li>
 *   <li>SNI: the host is sent as the server name unless it is an IP literal (RFC 6066 forbids those) or
 *       {@link Builder#serverNameIndication(boolean) SNI is off}.</li>
 *   <li>The handshake must finish within {@link Builder#handshakeTimeout} (default 10 s).</li>
 *   <li>The TLS implementation is the JDK's unless {@link Builder#engine(TlsEngine) engine(TlsEngine.BORINGSSL)}
 *       picks BoringSSL.</li>
 * </ul>
 * A connector is immutable and may be shared by any number of tasks.
 */
public final class TlsConnector {
    private final CommonSettings.Resolved engines;
    private final CommonSettings settings;
    private final boolean verifyHostname;
    private final boolean sni;

    private TlsConnector(Builder b) {
        this.settings = b.settings.copy();
        this.engines = settings.resolve(b.context);
        this.verifyHostname = b.verifyHostname;
        this.sni = b.sni;
    }

    /** A builder for connectors using {@code context} (its trust managers decide which servers are trusted). */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /**
     * A future that runs the client handshake over {@code stream} with the server {@code host}, and completes
     * with the TLS stream. Lazy: nothing happens before it is polled (on a runtime worker: the handshake
     * timeout needs the timer). On failure (an {@link UncheckedIOException} whose cause is the
     * {@link SSLException}: untrusted certificate, wrong host name, no common protocol, timeout...) or
     * cancellation, {@code stream} is closed.
     */
    public <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> connect(String host, S stream) {
        return connect(host, -1, stream);
    }

    /**
     * As {@link #connect(String, AsyncRead)}; {@code port} is handed to the engine factory (the JDK uses host and
     * port to find a session to resume).
     */
    public <S extends AsyncRead & AsyncWrite> Future<TlsStream<S>> connect(String host, int port, S stream) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(stream, "stream");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty: it is what the server's certificate is checked against");
        }
        String peer = port > 0 ? host + ":" + port : host + " (" + Handshake.describe(stream) + ")";
        return Handshake.withTimeout(() -> newEngine(host, port), engines.factory()::release, stream,
                settings.requireCloseNotify, peer, settings.handshakeTimeout);
    }

    private SSLEngine newEngine(String host, int port) {
        return engines.create(host, port, engine -> {
            engine.setUseClientMode(true);
            SSLParameters p = engine.getSSLParameters();
            if (verifyHostname) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (sni && !isIpLiteral(host)) {
                p.setServerNames(List.of(new SNIHostName(host)));
            } else {
                p.setServerNames(List.of());
            }
            settings.applyTo(p);
            engine.setSSLParameters(p);
            try {
                engine.beginHandshake();
            } catch (SSLException e) {
                throw new UncheckedIOException("cannot start a TLS handshake with " + host + ": " + e.getMessage(), e);
            }
        });
    }

    /** IPv4 dotted quad, or anything with a colon (IPv6): not a host name for SNI. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Settings of a connector; each is validated when set. */
    public static final class Builder extends TlsBuilder<Builder, TlsConnector> {
        private boolean verifyHostname = true;
        private boolean sni = true;

        private Builder(SSLContext context) {
            super(context);
        }

        /**
         * Whether the server certificate must name the host (default {@code true}). Turning it off accepts any
         * trusted certificate for any host: for tests only.
         */
        public Builder verifyHostname(boolean on) {
            verifyHostname = on;
            return this;
        }

        /** Whether the host is sent as SNI server name (default {@code true}; never for IP literals). */
        public Builder serverNameIndication(boolean on) {
            sni = on;
            return this;
        }

        @Override
        public TlsConnector build() {
            return new TlsConnector(this);
        }
    }
}
