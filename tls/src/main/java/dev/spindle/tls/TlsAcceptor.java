package dev.spindle.tls;

import dev.spindle.Future;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.UncheckedIOException;
import java.util.IdentityHashMap;
import java.util.Map;
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
 *   <li>Several host names on one port: {@link Builder#serverName serverName(name, context)} serves the clients
 *       that ask for {@code name} (SNI) with that context's certificate; the others get the builder's context,
 *       or are refused with {@code unrecognized_name} ({@link Builder#rejectUnknownServerNames}). The acceptor
 *       then reads each client's ClientHello itself before it makes the engine (see {@link ServerNames}).</li>
 *   <li>The TLS implementation is the JDK's unless {@link Builder#engine(TlsEngine) engine(TlsEngine.BORINGSSL)}
 *       picks BoringSSL.</li>
 * </ul>
 * An acceptor is immutable and may be shared by any number of tasks.
 */
public final class TlsAcceptor {
    /** TLS alert descriptions (RFC 8446 section 6) sent to clients refused from their ClientHello. */
    private static final int DECODE_ERROR = 50;
    private static final int UNRECOGNIZED_NAME = 112;

    private final CommonSettings.Resolved engines;
    private final CommonSettings settings;
    private final ClientAuth clientAuth;
    /** Per-name contexts, or null when there are none (then ClientHellos are left to the engine alone). */
    private final ServerNames serverNames;
    /** The engines of each per-name context, resolved once (BoringSSL wraps each context). */
    private final Map<SSLContext, CommonSettings.Resolved> namedEngines = new IdentityHashMap<>();

    private TlsAcceptor(Builder b) {
        this.settings = b.settings.copy();
        this.engines = settings.resolve(b.context);
        this.clientAuth = b.clientAuth;
        this.serverNames = b.serverNames.build();
        if (serverNames != null) {
            for (SSLContext c : serverNames.contexts()) {
                namedEngines.put(c, settings.resolve(c));
            }
        }
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
        if (serverNames != null) {
            return Handshake.withTimeout(this::engineFor, engines.factory()::release, stream,
                    settings.requireCloseNotify, peer, settings.handshakeTimeout);
        }
        return Handshake.withTimeout(() -> newEngine(engines), engines.factory()::release, stream,
                settings.requireCloseNotify, peer, settings.handshakeTimeout);
    }

    /** The engine for what a client's ClientHello says, when there are per-name contexts. */
    private SSLEngine engineFor(ClientHello.Sniff hello) throws Handshake.Refused {
        if (hello instanceof ClientHello.Parsed parsed) {
            SSLContext named = serverNames.contextFor(parsed.serverName());
            if (named != null) {
                return newEngine(namedEngines.get(named));
            }
            if (serverNames.rejectUnknown()) {
                throw new Handshake.Refused(parsed.serverName() == null
                        ? "the client named no server (no SNI), and this acceptor serves only " + serverNames.describe()
                        + " (rejectUnknownServerNames); it was sent unrecognized_name"
                        : "the client asked for server name '" + parsed.serverName() + "', which this acceptor does"
                        + " not serve (it serves " + serverNames.describe() + "; rejectUnknownServerNames); it was"
                        + " sent unrecognized_name", UNRECOGNIZED_NAME);
            }
        } else if (hello instanceof ClientHello.NotAClientHello bad && serverNames.rejectUnknown()) {
            // Without a name to check, the default context must not answer either.
            throw new Handshake.Refused("the client's first bytes are not a ClientHello (" + bad.why() + "); it was"
                    + " sent decode_error", DECODE_ERROR);
        }
        // A name served by nobody, or bytes that are no ClientHello: the default engine reads them, and answers
        // a broken hello with the same error it gives without server names.
        return newEngine(engines);
    }

    private SSLEngine newEngine(CommonSettings.Resolved engines) {
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
        private final ServerNames.Builder serverNames = new ServerNames.Builder();

        private Builder(SSLContext context) {
            super(context);
        }

        /** Whether to ask clients for a certificate (default {@link ClientAuth#NONE}). */
        public Builder clientAuth(ClientAuth mode) {
            clientAuth = Objects.requireNonNull(mode, "clientAuth");
            return this;
        }

        /**
         * Serves clients that ask for {@code hostName} (SNI) with {@code context}: its key managers present the
         * certificate, its trust managers judge client certificates. {@code hostName} is a DNS name (case and a
         * trailing dot do not matter; an IDN is matched in its xn-- form, as clients send it) or a wildcard {@code *.example.com}, which matches one label more; an exact
         * name wins over a wildcard. Every other setting (ALPN, protocols, client authentication, engine) is the
         * acceptor's. Clients asking for another name, or none, get the context given to
         * {@link TlsAcceptor#builder} unless {@link #rejectUnknownServerNames} is on.
         *
         * @throws IllegalArgumentException if {@code hostName} is not a host name or wildcard, or was given before
         */
        public Builder serverName(String hostName, SSLContext context) {
            serverNames.add(hostName, context);
            return this;
        }

        /**
         * Whether clients that ask for none of the {@link #serverName} names (or for no name) are refused with a
         * fatal {@code unrecognized_name} alert, instead of being served with the default context (default
         * {@code false}). Needs at least one {@link #serverName}.
         */
        public Builder rejectUnknownServerNames(boolean on) {
            serverNames.rejectUnknown(on);
            return this;
        }

        /**
         * @throws IllegalStateException if {@link #rejectUnknownServerNames} is on without any
         *                               {@link #serverName}
         */
        @Override
        public TlsAcceptor build() {
            return new TlsAcceptor(this);
        }
    }
}
