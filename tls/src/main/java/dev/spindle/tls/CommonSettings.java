package dev.spindle.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings shared by {@link TlsConnector} and {@link TlsAcceptor}, validated when set (each message names the
 * setting) and applied to every new engine through {@link SSLParameters}.
 */
final class CommonSettings {
    /**
     * Default handshake deadline. A handshake between live peers takes milliseconds; a peer that has not
     * finished after 10 s is stalled or hostile (a slow-loris client holds a connection and a task otherwise).
     */
    static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** The engine chosen with {@code engine(..)}; ignored while {@link #engineFactory} is set. */
    TlsEngine engine = TlsEngine.JDK;
    /** A factory given with {@code engineFactory(..)}, or {@code null}; the later of the two calls wins. */
    EngineFactory engineFactory;
    Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    boolean requireCloseNotify = true;
    List<String> alpn = List.of();
    String[] protocols;
    String[] cipherSuites;

    CommonSettings copy() {
        CommonSettings c = new CommonSettings();
        c.engine = engine;
        c.engineFactory = engineFactory;
        c.handshakeTimeout = handshakeTimeout;
        c.requireCloseNotify = requireCloseNotify;
        c.alpn = alpn;
        c.protocols = protocols == null ? null : protocols.clone();
        c.cipherSuites = cipherSuites == null ? null : cipherSuites.clone();
        return c;
    }

    void engineFactory(EngineFactory f) {
        engineFactory = Objects.requireNonNull(f, "engineFactory");
    }

    /** Fails at once, with what to add, if the engine cannot be used in this JVM. */
    void engine(TlsEngine e) {
        Objects.requireNonNull(e, "engine");
        if (e == TlsEngine.BORINGSSL) {
            BoringSsl.requireAvailable();
        }
        engine = e;
        engineFactory = null;
    }

    /**
     * What a built connector or acceptor makes its engines with; {@code boringSsl} when they are BoringSSL's
     * (which needs a little help with ALPN, see {@link BoringSsl#requireAlpnMatch}).
     */
    record Resolved(SSLContext context, EngineFactory factory, boolean boringSsl) {
        /**
         * A configured, begun engine from {@code configure}; released if configuring or beginning fails, so no
         * engine is lost before a stream owns it.
         */
        SSLEngine create(String peerHost, int peerPort, Consumer<SSLEngine> configure) {
            SSLEngine e = factory.create(context, peerHost, peerPort);
            try {
                configure.accept(e);
                return e;
            } catch (RuntimeException | Error failure) {
                factory.release(e);
                throw failure;
            }
        }
    }

    /**
     * Resolves the engine choice for a connector or acceptor built with {@code given}.
     *
     * @throws IllegalArgumentException if BoringSSL was chosen and {@code given} cannot be converted, or the cipher
     *         suites ask for something BoringSSL cannot do
     */
    Resolved resolve(SSLContext given) {
        if (engineFactory != null) {
            return new Resolved(given, engineFactory, false);
        }
        return switch (engine) {
            case JDK -> new Resolved(given, EngineFactory.jdk(), false);
            case BORINGSSL -> {
                BoringSsl.checkCipherSuites(cipherSuites, protocols);
                yield new Resolved(BoringSsl.contextFor(given), BoringSsl.FACTORY, true);
            }
        };
    }

    void handshakeTimeout(Duration limit) {
        Objects.requireNonNull(limit, "handshakeTimeout");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, was " + limit);
        }
        handshakeTimeout = limit;
    }

    void alpn(String... protocolNames) {
        Objects.requireNonNull(protocolNames, "alpn");
        for (String p : protocolNames) {
            if (p == null || p.isEmpty() || p.length() > 255) {
                throw new IllegalArgumentException("alpn: protocol names must be 1 to 255 characters, got \"" + p + "\"");
            }
        }
        alpn = List.of(protocolNames);
    }

    void protocols(String... names) {
        protocols = nonEmpty("protocols", names);
    }

    void cipherSuites(String... names) {
        cipherSuites = nonEmpty("cipherSuites", names);
    }

    private static String[] nonEmpty(String what, String... names) {
        Objects.requireNonNull(names, what);
        if (names.length == 0) {
            throw new IllegalArgumentException(what + ": at least one name is needed");
        }
        for (String n : names) {
            Objects.requireNonNull(n, what + " contains null");
        }
        return names.clone();
    }

    /** Applies protocols, cipher suites and ALPN to {@code p}. */
    void applyTo(SSLParameters p) {
        if (protocols != null) {
            p.setProtocols(protocols.clone());
        }
        if (cipherSuites != null) {
            p.setCipherSuites(cipherSuites.clone());
        }
        if (!alpn.isEmpty()) {
            p.setApplicationProtocols(alpn.toArray(String[]::new));
        }
    }
}
