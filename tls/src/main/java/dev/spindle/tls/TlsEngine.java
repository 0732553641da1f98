package dev.spindle.tls;

/**
 * The TLS implementation behind a {@link TlsConnector} or {@link TlsAcceptor}, chosen with one builder call:
 *
 * <pre>{@code
 * TlsAcceptor acceptor = TlsAcceptor.builder(cert.serverContext()).engine(TlsEngine.BORINGSSL).build();
 * }</pre>
 *
 * <h2>{@link #JDK}</h2>
 * The JDK's own {@code SSLEngine} (SunJSSE): always there, the default, and the reference for behaviour.
 *
 * <h2>{@link #BORINGSSL}</h2>
 * Google's BoringSSL through Conscrypt, a JSSE provider whose jar carries the native library (Linux x86-64 and
 * aarch64, Windows x86-64). The handshake costs a third to a quarter of the JDK's CPU time (ECDSA P-256,
 * TLS 1.3), and bulk encryption is faster too. To use it:
 * <ul>
 *   <li>Put {@code org.conscrypt:conscrypt-openjdk-uber:2.9.0} on the class path; Spindle declares it optional,
 *       so it is never pulled in unasked. Without it, {@code engine(BORINGSSL)} fails with a message saying
 *       this; {@link #isAvailable()} lets a program choose at run time. On the module path the module
 *       {@code org.conscrypt} must be resolved: {@code --add-modules org.conscrypt}.</li>
 *   <li>Run the JVM with {@code --enable-native-access=ALL-UNNAMED} (class path) or
 *       {@code --enable-native-access=org.conscrypt} (module path). Loading the native library is a restricted
 *       operation: without the flag JDK 24 and later print "WARNING: A restricted method in java.lang.System has
 *       been called" on first use (and a future JDK will refuse). JDK 21 accepts the flag as well.</li>
 *   <li>The key material must be known: the context given to the builder must come from
 *       {@link Certificates#contextBuilder()} (or its shortcuts, or {@link SelfSigned}), which records what it
 *       was built from, or be a context of the Conscrypt provider itself. A context made directly with
 *       {@code SSLContext.getInstance(..).init(..)} does not reveal its key and trust managers, so it cannot be
 *       converted: pass the same managers to {@link Certificates.ContextBuilder#keyManagers} and
 *       {@link Certificates.ContextBuilder#trustManagers} instead, and the result works with both engines.</li>
 * </ul>
 * Behaviour is the JDK engine's, checked by the same test suites, except where BoringSSL decides otherwise:
 * <ul>
 *   <li>The peer's close_notify closes both directions, in TLS 1.3 too: there is no TLS 1.3 half-close, so a
 *       server cannot send its response after a client's close_notify (the write fails, saying so), and the
 *       answering close_notify is not sent (the engine frees its state first). The JDK engine keeps our side
 *       open in TLS 1.3.</li>
 *   <li>No TLS 1.2 renegotiation, in either direction: a client that asks for one gets a
 *       {@code no_renegotiation} alert, a server's HelloRequest fails our read, and the connection is over (the
 *       JDK engine carries secure renegotiation out). TLS 1.3 has none.</li>
 *   <li>The TLS 1.3 cipher suites cannot be chosen: BoringSSL enables all three whenever TLS 1.3 is. So that a
 *       setting is never silently ignored, {@code cipherSuites(..)} on this engine must list all of them while
 *       TLS 1.3 is enabled (or {@code protocols("TLSv1.2")} must rule it out); otherwise {@code build()} fails
 *       saying so.</li>
 *   <li>Each connection costs two more file descriptors: Conscrypt gives every native SSL object a pipe (meant
 *       for interrupting its blocking sockets, made for engines too). 10,000 connections need about 30,000
 *       descriptors, so raise {@code ulimit -n} accordingly; when the limit is hit, Conscrypt prints
 *       "AppData::create pipe(2) failed: Too many open files" on stderr and the handshake fails.</li>
 *   <li>Session tickets are on (Conscrypt's default is off), so TLS 1.3 clients resume with a BoringSSL server
 *       as with the JDK's; the ticket key lives with the connector's or acceptor's context.</li>
 *   <li>An ALPN mismatch (the client offers protocols, the server speaks none of them) still fails the server's
 *       handshake, but BoringSSL cannot send the {@code no_application_protocol} alert: the server closes the
 *       connection, and the client's handshake fails on the closed connection.</li>
 *   <li>Failures detected natively come with BoringSSL's error code, which the stream puts into the JDK
 *       engine's words: a received alert reads "(bad_record_mac) Received fatal alert: bad_record_mac (BoringSSL
 *       SSLV3_ALERT_BAD_RECORD_MAC)", any other code "BoringSSL: unsupported protocol (UNSUPPORTED_PROTOCOL)"; the
 *       original exception is the cause. The certificate checks are still the JDK's trust managers, with the
 *       JDK's messages.</li>
 * </ul>
 * A stream's native memory is freed when the stream is closed ({@link TlsStream#close()}); a stream dropped
 * without closing is freed only when the garbage collector finds it.
 */
public enum TlsEngine {
    /** The JDK's {@code SSLEngine} (SunJSSE). */
    JDK,
    /** BoringSSL through Conscrypt; see the class comment for what it needs. */
    BORINGSSL;

    /**
     * Whether this engine can be used in this JVM: always for {@link #JDK}; for {@link #BORINGSSL}, whether
     * Conscrypt is on the class path and its native library loads here.
     */
    public boolean isAvailable() {
        return this == JDK || BoringSsl.unavailableReason() == null;
    }
}
