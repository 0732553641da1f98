package dev.spindle.tls;

import org.conscrypt.AllocatedBuffer;
import org.conscrypt.BufferAllocator;
import org.conscrypt.Conscrypt;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLProtocolException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link TlsEngine#BORINGSSL}: BoringSSL through Conscrypt's JSSE provider.
 *
 * <h2>Why Conscrypt, and not netty-tcnative</h2>
 * Both put BoringSSL behind {@code SSLEngine}. Measured here (2 cores, JDK 25, TLS 1.3, ECDSA P-256, full
 * handshakes), both needed about a quarter of the JDK engine's CPU per handshake in memory; through
 * {@link TlsStream} over loopback Conscrypt did 765 to 908 handshakes/s (about 2.2 ms of CPU for client and server
 * together) against tcnative's 595 to 847 and the JDK's 150 to 167, and moved bulk data at least as fast. Its
 * engine finishes every step inside {@code wrap}/{@code unwrap} (no delegated tasks to hand to a thread), and it
 * is a plain JSSE provider: ALPN, SNI, client authentication and endpoint identification go through
 * {@code SSLParameters} as for the JDK engine, and it needs neither Netty's buffer allocator nor reference
 * counting (tcnative also reports a stale {@code NEED_UNWRAP} when a server handshake has in fact finished).
 *
 * <h2>Class loading</h2>
 * Conscrypt is an optional dependency. Only the nested class {@link Bridge} names its types, and it is loaded
 * only after {@link #unavailableReason()} found Conscrypt, so a JVM without it never fails to link this
 * package: it gets the message of {@link #requireAvailable()} when it asks for the engine.
 *
 * <h2>Contexts</h2>
 * A context for BoringSSL is made from the key and trust managers that a {@link Certificates} context was built
 * from (or is the caller's own, if it already belongs to Conscrypt), once per such context, so connectors built
 * from one context share one client session cache, as they do with the JDK engine.
 */
final class BoringSsl {
    /** What to put on the class path; named in every message about a missing engine. */
    static final String ARTIFACT = "org.conscrypt:conscrypt-openjdk-uber:2.9.0";

    private BoringSsl() {
    }

    /** Made once: probing loads the native library, which is done at most once per JVM anyway. */
    private static final class Availability {
        static final String REASON = probe();
    }

    /** {@code null} if the engine can be used here, else why it cannot (a message for the user). */
    static String unavailableReason() {
        return Availability.REASON;
    }

    /** Throws {@link IllegalStateException} with what to do if the engine cannot be used here. */
    static void requireAvailable() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
    }

    private static String probe() {
        try {
            Class.forName("org.conscrypt.Conscrypt", false, BoringSsl.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return "the BoringSSL engine (TlsEngine.BORINGSSL) needs Conscrypt, which is not on the class path: add "
                    + ARTIFACT + " to the application's dependencies (on the module path, also resolve it with"
                    + " --add-modules org.conscrypt), and run the JVM with --enable-native-access=ALL-UNNAMED";
        }
        return Bridge.probeNative();
    }

    /**
     * The context BoringSSL engines are made from for a connector or acceptor built with {@code given}.
     *
     * @throws IllegalArgumentException if {@code given} is a JDK context whose key material is unknown
     */
    static SSLContext contextFor(SSLContext given) {
        requireAvailable();
        return Bridge.contextFor(given);
    }

    /**
     * Makes BoringSSL engines from the context {@link #contextFor} returned, and frees their native state when
     * the stream is closed.
     */
    static final EngineFactory FACTORY = new EngineFactory() {
        @Override
        public SSLEngine create(SSLContext context, String peerHost, int peerPort) {
            SSLEngine e = EngineFactory.jdk().create(context, peerHost, peerPort);
            Bridge.configure(e);
            return e;
        }

        @Override
        public void release(SSLEngine engine) {
            // Conscrypt frees the native SSL object once both directions are closed and nothing is left to wrap:
            // closeOutbound() queues a close_notify, which must be wrapped (into a buffer that is thrown away,
            // as the transport is closed by now) before the outbound side counts as done.
            engine.closeOutbound();
            try {
                engine.closeInbound();
                ByteBuffer discard = ByteBuffer.allocate(DISCARD_BYTES);
                ByteBuffer[] nothing = {ByteBuffer.allocate(0)};
                for (int i = 0; i < MAX_DISCARD_WRAPS && !engine.isOutboundDone(); i++) {
                    discard.clear();
                    if (engine.wrap(nothing, discard).bytesProduced() == 0) {
                        break;
                    }
                }
            } catch (SSLException | RuntimeException alreadyBroken) {
                // an engine that failed has freed its state already (Conscrypt frees on a fatal error)
            }
        }
    };

    /** A close_notify record is 24 to 31 bytes; a few wraps of this size drain anything the engine queued. */
    private static final int DISCARD_BYTES = 1024;
    private static final int MAX_DISCARD_WRAPS = 8;

    /**
     * Makes {@code engine} fail the handshake when the client offers ALPN protocols and {@code serverProtocols}
     * has none of them (RFC 7301 3.2). BoringSSL's own selection would go on without ALPN instead; what it
     * cannot do is send the {@code no_application_protocol} alert, so the failure is ours, and the client
     * sees the connection closed.
     */
    static void requireAlpnMatch(SSLEngine engine, List<String> serverProtocols) {
        engine.setHandshakeApplicationProtocolSelector((e, offered) -> {
            if (offered.isEmpty()) {
                return ""; // a client without ALPN gets none
            }
            for (String p : serverProtocols) {
                if (offered.contains(p)) {
                    return p; // the server's preference
                }
            }
            // Conscrypt passes this exception out of unwrap() (after it went on with the handshake as if the
            // client's first protocol had been chosen); TlsStream reports the SSLException and sends nothing.
            throw new UncheckedIOException(new SSLHandshakeException("no_application_protocol: the client offered "
                    + offered + ", this server speaks " + serverProtocols + " (ALPN, RFC 7301)"));
        });
    }

    /** The TLS 1.3 cipher suites (RFC 8446 B.4) that BoringSSL always enables together. */
    static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * Refuses cipher suites BoringSSL would silently not honour: it offers and accepts all of
     * {@link #TLS13_SUITES} whenever TLS 1.3 is enabled, whatever the list says. A list that leaves one out while
     * TLS 1.3 may be negotiated ({@code protocols} unset or naming it) is a setting the engine would ignore.
     */
    static void checkCipherSuites(String[] cipherSuites, String[] protocols) {
        if (cipherSuites == null || (protocols != null && !List.of(protocols).contains("TLSv1.3"))) {
            return;
        }
        List<String> given = List.of(cipherSuites);
        if (!given.containsAll(TLS13_SUITES)) {
            List<String> missing = TLS13_SUITES.stream().filter(s -> !given.contains(s)).toList();
            throw new IllegalArgumentException("cipherSuites: the BoringSSL engine always enables every TLS 1.3"
                    + " cipher suite " + TLS13_SUITES + " and cannot leave out " + missing + "; list all three,"
                    + " restrict protocols(..) to TLSv1.2, or use TlsEngine.JDK to choose among TLS 1.3 suites");
        }
    }

    /** BoringSSL's reason in a Conscrypt message: "error:1000045c:SSL routines:OPENSSL_internal:REASON (file...)". */
    private static final Pattern REASON = Pattern.compile("OPENSSL_internal:([A-Z0-9_]+)");

    /**
     * {@code e} in words a reader of the JDK engine's messages recognises, when it is BoringSSL's: Conscrypt
     * reports a peer's alert as "Read error: ssl=0x7f..: Failure in SSL library, usually a protocol error"
     * followed by an error-queue line naming {@code TLSV1_ALERT_CERTIFICATE_REQUIRED}. That becomes
     * "(certificate_required) Received fatal alert: certificate_required (BoringSSL TLSV1_ALERT_...)", as the
     * JDK would say it; any other reason is named as such. The exception keeps its type (a handshake failure
     * stays an {@link SSLHandshakeException}) and has the original as its cause. Messages of other engines
     * are returned as they are.
     */
    static SSLException clarify(SSLException e) {
        String message = e.getMessage();
        Matcher m = message == null ? null : REASON.matcher(message);
        if (m == null || !m.find()) {
            return e;
        }
        String reason = m.group(1);
        int alertAt = reason.indexOf("_ALERT_");
        String text;
        if (alertAt > 0 && (reason.startsWith("SSLV3") || reason.startsWith("TLSV1"))) {
            String alert = reason.substring(alertAt + "_ALERT_".length()).toLowerCase(Locale.ROOT);
            text = "(" + alert + ") Received fatal alert: " + alert + " (BoringSSL " + reason + ")";
        } else {
            text = "BoringSSL: " + reason.toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + reason + ")";
        }
        SSLException clear = e instanceof SSLHandshakeException ? new SSLHandshakeException(text)
                : e instanceof SSLProtocolException ? new SSLProtocolException(text)
                : new SSLException(text);
        clear.initCause(e);
        return clear;
    }

    /** The only code that names Conscrypt's types; loaded after Conscrypt was found on the class path. */
    static final class Bridge {
        /** One provider for the JVM, made on first use; it is never installed in {@link java.security.Security}. */
        private static final class Holder {
            static final Provider PROVIDER = Conscrypt.newProvider();
        }

        /**
         * Session tickets on: Conscrypt turns them off by default, so a BoringSSL server sent no TLS 1.3
         * ticket and no client could resume with it (the JDK engine sends them). The ticket key belongs to the
         * context's session context, shared by all its engines, so any connection's ticket works on the next.
         */
        static void configure(SSLEngine e) {
            if (Conscrypt.isConscrypt(e)) {
                Conscrypt.setUseSessionTickets(e, true);
                Conscrypt.setBufferAllocator(e, LentDirectBuffers.INSTANCE);
            }
        }

        /**
         * The direct buffers Conscrypt copies heap buffers through (BoringSSL reads and writes native memory),
         * lent per call like {@link RecordBuffers}. Without an allocator every engine keeps its own
         * ({@code lazyDirectBuffer}, a record's worth of native memory) for life, so each idle connection held one;
         * with this one Conscrypt takes a buffer for a wrap or unwrap and releases it before the call returns,
         * on the same thread, into that thread's cache.
         */
        static final class LentDirectBuffers extends BufferAllocator {
            static final LentDirectBuffers INSTANCE = new LentDirectBuffers();
            /** Per thread: a worker runs one engine call at a time, so a few cover nested or repeated calls. */
            private static final int MAX_CACHED_PER_THREAD = 4;

            /** Buffers with their wrappers, so that lending one allocates nothing in steady state. */
            private final ThreadLocal<java.util.ArrayDeque<Lent>> cache =
                    ThreadLocal.withInitial(() -> new java.util.ArrayDeque<>(MAX_CACHED_PER_THREAD));

            @Override
            public AllocatedBuffer allocateDirectBuffer(int capacity) {
                Lent lent = cache.get().pollFirst();
                if (lent == null || lent.buffer.capacity() < capacity) {
                    lent = new Lent(ByteBuffer.allocateDirect(capacity)); // a smaller one is dropped: sizes only grow
                }
                lent.released = false;
                lent.buffer.clear().limit(capacity);
                return lent;
            }

            /** Buffers in this thread's cache (tests). */
            int cachedOnThisThread() {
                return cache.get().size();
            }

            private final class Lent extends AllocatedBuffer {
                final ByteBuffer buffer;
                boolean released;

                Lent(ByteBuffer buffer) {
                    this.buffer = buffer;
                }

                @Override
                public ByteBuffer nioBuffer() {
                    return buffer;
                }

                @Override
                public AllocatedBuffer release() {
                    if (!released) { // Conscrypt releases once; a second call must not cache the buffer twice
                        released = true;
                        java.util.ArrayDeque<Lent> q = cache.get();
                        if (q.size() < MAX_CACHED_PER_THREAD) {
                            q.addFirst(this);
                        }
                    }
                    return this;
                }
            }
        }

        static String probeNative() {
            try {
                Conscrypt.checkAvailability();
                return null;
            } catch (Throwable t) { // UnsatisfiedLinkError with the loader's causes, or an unsupported platform
                return "the BoringSSL engine (TlsEngine.BORINGSSL) cannot load Conscrypt's native library on "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ": " + t
                        + " (" + ARTIFACT + " carries it for Linux x86-64 and aarch64 with glibc, and Windows x86-64)";
            }
        }

        static SSLContext contextFor(SSLContext given) {
            if (Conscrypt.isConscrypt(given)) {
                return given;
            }
            Certificates.Material m = Certificates.material(given);
            if (m == null) {
                throw new IllegalArgumentException("the BoringSSL engine cannot use this SSLContext (" + given.getProvider()
                        + "): a JDK SSLContext does not reveal its key and trust managers. Build it with"
                        + " Certificates.contextBuilder() (keyManagers(..) and trustManagers(..) take your own) or"
                        + " SelfSigned, or pass a context of the Conscrypt provider");
            }
            return m.boringSslContext(() -> {
                try {
                    SSLContext c = SSLContext.getInstance("TLS", Holder.PROVIDER);
                    c.init(m.keyManagers(), Tls13AuthType.adapt(m.trustManagers()), null);
                    return c;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("cannot make a BoringSSL context from the key material: " + e.getMessage(), e);
                }
            });
        }
    }
}
