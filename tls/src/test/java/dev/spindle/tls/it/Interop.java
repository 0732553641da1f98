package dev.spindle.tls.it;

import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.io.Split;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.Certificates;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.TlsStream;
import dev.spindle.tls.it.TestPki.Issued;
import dev.spindle.tls.it.TestPki.KeyType;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the TLS interop tests share: one PKI per JVM (written into the peers' containers under {@code /peer}),
 * SSL contexts built from it, connectors and acceptors on a chosen {@link TlsEngine}, the Spindle client's side of
 * a connection (connect, an HTTP request, an echo exchange with checksums), and how each engine reports what the
 * peers do ({@link #fatalAlert}, {@link #noClientCertificate}, {@link #assertRestrictedSuite}).
 *
 * <p>Every test class runs over both engines ({@code @ParameterizedClass @EnumSource(TlsEngine.class)}, the
 * engine in a {@code @Parameter} field). Conscrypt is a test dependency of this module, so BoringSSL is always
 * there: without it those runs fail (the builders say what is missing) instead of quietly testing one engine.
 */
final class Interop {
    static final TestPki.Authority CA = TestPki.authority("Spindle Interop CA");
    /** A CA that neither Spindle nor the peers trust. */
    static final TestPki.Authority ROGUE_CA = TestPki.authority("Rogue CA");
    /**
     * A CA with the same name as {@link #CA} but its own key: what it issues looks as if {@link #CA} had issued it
     * until the signature (or the authority key identifier) is checked. Client certificates that must be rejected
     * come from here because a JDK client offers only a certificate whose issuer is on the server's list of
     * acceptable CAs (which openssl, gnutls and nginx send, built from the CA file they trust): a certificate from
     * an unrelated CA would never be sent, and the test would check a missing certificate instead of a bad one.
     */
    static final TestPki.Authority IMPOSTOR_CA = TestPki.authority("Spindle Interop CA");

    /** Server certificates for "localhost" and 127.0.0.1, one per key type (for ECDSA and RSA suites). */
    static final Issued SERVER_EC = CA.issue("localhost", KeyType.EC, true, "localhost");
    static final Issued SERVER_RSA = CA.issue("localhost", KeyType.RSA, true, "localhost");
    /** For the SNI name only: a server that hands it out for "localhost" fails host name verification. */
    static final Issued SNI = CA.issue("sni.test", KeyType.EC, false, "sni.test");
    static final Issued CLIENT = CA.issue("client.test", KeyType.EC, false);
    static final Issued IMPOSTOR_CLIENT = IMPOSTOR_CA.issue("client.test", KeyType.EC, false);
    /** Right name, unknown issuer. */
    static final Issued UNTRUSTED = ROGUE_CA.issue("localhost", KeyType.EC, true, "localhost");
    /** Right name, trusted issuer, but it expired yesterday. */
    static final Issued EXPIRED = CA.issue("localhost", KeyType.EC, Instant.now().minus(Duration.ofDays(30)),
            Instant.now().minus(Duration.ofDays(1)), true, "localhost");
    /** Trusted issuer, valid, but for another host. */
    static final Issued WRONG_HOST = CA.issue("other.test", KeyType.EC, false, "other.test");

    /** Where the peers find the PKI files. */
    static final String DIR = "/peer";

    private Interop() {
    }

    /**
     * Every certificate and key as files for the peers: {@code /peer/NAME.pem} and {@code /peer/NAME.key} for
     * server-ec, server-rsa, sni, client, impostor-client, untrusted, expired, wrong-host; {@code /peer/ca.pem}.
     */
    static Map<String, String> pkiFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(DIR + "/ca.pem", CA.root.certificatePem());
        Map<String, Issued> all = new LinkedHashMap<>();
        all.put("server-ec", SERVER_EC);
        all.put("server-rsa", SERVER_RSA);
        all.put("sni", SNI);
        all.put("client", CLIENT);
        all.put("impostor-client", IMPOSTOR_CLIENT);
        all.put("untrusted", UNTRUSTED);
        all.put("expired", EXPIRED);
        all.put("wrong-host", WRONG_HOST);
        all.forEach((name, issued) -> {
            files.put(DIR + "/" + name + ".pem", issued.certificatePem());
            files.put(DIR + "/" + name + ".key", issued.keyPem());
        });
        return files;
    }

    /** {@link #pkiFiles()} plus {@code more}. */
    static Map<String, String> pkiFilesAnd(String path, String content) {
        Map<String, String> files = pkiFiles();
        files.put(path, content);
        return files;
    }

    /** A context that presents {@code key} (or nothing, if null) and trusts exactly our CA. */
    static SSLContext context(Issued key) {
        try {
            Certificates.ContextBuilder b = Certificates.contextBuilder().trust(CA.root.certificate());
            if (key != null) {
                b.key(List.of(key.certificate()), key.key());
            }
            return b.build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build an SSLContext: " + e.getMessage(), e);
        }
    }

    /**
     * The TLS 1.3 cipher suites. BoringSSL always enables all of them: it has no way to restrict TLS 1.3 suites,
     * so a builder on that engine refuses a list that leaves one out (see {@link #restrictedConnector}).
     */
    static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * A connector on {@code engine} limited to {@code protocol} and {@code suite}. A BoringSSL connector cannot
     * be limited to one TLS 1.3 suite: its builder refuses that (checked here) instead of ignoring it, so it
     * gets all of {@link #TLS13_SUITES} and the server picks.
     */
    static TlsConnector restrictedConnector(TlsEngine engine, String protocol, String suite) {
        if (engine == TlsEngine.BORINGSSL && protocol.equals("TLSv1.3")) {
            assertThatThrownBy(() -> connector(engine).protocols(protocol).cipherSuites(suite).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("always enables every TLS 1.3 cipher suite");
            return connector(engine).protocols(protocol).cipherSuites(TLS13_SUITES.toArray(String[]::new)).build();
        }
        return connector(engine).protocols(protocol).cipherSuites(suite).build();
    }

    /**
     * Checks the suite of {@code tls}, made by {@link #restrictedConnector}: that suite, except that a BoringSSL
     * client in TLS 1.3 offers every TLS 1.3 suite and gets the one the server picks. Returns the suite
     * negotiated.
     */
    static String assertRestrictedSuite(TlsEngine engine, TlsStream<TcpStream> tls, String protocol, String suite) {
        assertThat(tls.protocol()).isEqualTo(protocol);
        if (engine == TlsEngine.BORINGSSL && protocol.equals("TLSv1.3")) {
            assertThat(tls.cipherSuite()).as("BoringSSL offers every TLS 1.3 suite").isIn(TLS13_SUITES);
        } else {
            assertThat(tls.cipherSuite()).isEqualTo(suite);
        }
        return tls.cipherSuite();
    }

    /**
     * Checks the certificate the server presented on {@code tls}: {@link #SERVER_EC} for "EC", {@link #SERVER_RSA}
     * for "RSA", either for "ANY" (a server that holds both picks one by the suite and signature schemes).
     */
    static void assertServerCertificate(TlsStream<TcpStream> tls, String keyType) {
        X509Certificate presented = tls.peerCertificates().getFirst();
        switch (keyType) {
            case "EC" -> assertThat(presented).isEqualTo(SERVER_EC.certificate());
            case "RSA" -> assertThat(presented).isEqualTo(SERVER_RSA.certificate());
            case "ANY" -> assertThat(presented).isIn(SERVER_EC.certificate(), SERVER_RSA.certificate());
            default -> throw new IllegalArgumentException("key type EC, RSA or ANY, not " + keyType);
        }
    }

    /** A connector on {@code engine} that trusts our CA and presents {@code key} (or nothing, if null). */
    static TlsConnector.Builder connector(TlsEngine engine, Issued key) {
        return TlsConnector.builder(context(key)).engine(engine);
    }

    /** A connector on {@code engine} that trusts our CA and presents no certificate. */
    static TlsConnector.Builder connector(TlsEngine engine) {
        return connector(engine, null);
    }

    /** An acceptor on {@code engine} that presents {@code key} and trusts our CA (for client certificates). */
    static TlsAcceptor.Builder acceptor(TlsEngine engine, Issued key) {
        return TlsAcceptor.builder(context(key)).engine(engine);
    }

    static SpindleRuntime runtime(String name) {
        return SpindleRuntime.builder().workers(2).threadNamePrefix(name + "-").build();
    }

    /** A TCP connection to 127.0.0.1:{@code port} and a TLS handshake with it as {@code host}. */
    static TlsStream<TcpStream> connect(SpindleRuntime rt, TlsConnector connector, String host, int port) {
        return rt.blockOn(TcpStream.connect(new InetSocketAddress("127.0.0.1", port))
                .flatMap(tcp -> connector.connect(host, port, tcp)));
    }

    /**
     * Sends {@code request} and reads the answer to the end of the stream, which must be a clean one (the peer's
     * close_notify: a truncation fails); closes the stream.
     */
    static String exchange(SpindleRuntime rt, TlsStream<TcpStream> tls, String request) {
        try (tls) {
            byte[] answer = rt.blockOn(Io.writeAll(tls, ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)))
                    .flatMap(v -> Io.flush(tls))
                    .flatMap(v -> Io.readToEnd(tls, 64 << 20)));
            return new String(answer, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET path} over HTTP/1.0 (the server closes after the answer), through {@link #exchange}. */
    static String httpGet(SpindleRuntime rt, TlsStream<TcpStream> tls, String host, String path) {
        return exchange(rt, tls, "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    /** What both directions of an echo exchange carried. */
    record Transfer(long sent, String sentSha256, long received, String receivedSha256) {
    }

    /**
     * Writes {@code data} (in one task) while reading everything that comes back (in another), then sends
     * close_notify; the read side ends at the peer's close_notify (a truncation fails it). Closes the stream.
     */
    static Transfer echoTransfer(SpindleRuntime rt, TlsStream<TcpStream> tls, byte[] data) throws Exception {
        Split.Halves<TlsStream<TcpStream>> halves = tls.split();
        JoinHandle<Void> writer = rt.spawn(Io.writeAll(halves.writer(), ByteBuffer.wrap(data))
                .flatMap(v -> Io.shutdown(halves.writer())));
        MessageDigest sha = SpindleTlsServer.sha256();
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        long[] total = {0};
        JoinHandle<Long> reader = rt.spawn(Futures.pollFn(cx -> {
            try {
                for (;;) {
                    buf.clear();
                    Poll<Integer> p = halves.reader().pollRead(cx, buf);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        return Poll.ready(total[0]);
                    }
                    sha.update(buf.array(), 0, p.value());
                    total[0] += p.value();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        try {
            writer.join(Duration.ofSeconds(60));
            long received = reader.join(Duration.ofSeconds(60));
            return new Transfer(data.length, Payload.sha256(data), received, HexFormat.of().formatHex(sha.digest()));
        } finally {
            tls.close();
        }
    }

    /**
     * A regular expression for how a Spindle stream reports a fatal alert from the peer, given as the alert's
     * name in the RFCs ({@code "unknown_ca"}, or alternatives: {@code "bad_certificate|access_denied"}). Both
     * engines say "Received fatal alert: unknown_ca": the JDK's in its own words, BoringSSL's error code
     * ({@code TLSV1_ALERT_UNKNOWN_CA}) translated by the stream into the same words.
     */
    static String fatalAlert(TlsEngine engine, String alerts) {
        return "Received fatal alert: (" + alerts + ")" + (engine == TlsEngine.BORINGSSL ? " \\(BoringSSL " : "");
    }

    /**
     * Checks that {@code t} is our handshake failing on {@code alerts} (see {@link #fatalAlert}): an
     * {@link javax.net.ssl.SSLHandshakeException} in its causes, with the alert named. The JDK's is the root
     * cause; BoringSSL's wraps an {@link javax.net.ssl.SSLProtocolException} from the native read.
     */
    static void assertHandshakeFailedWithAlert(Throwable t, TlsEngine engine, String alerts) {
        assertThat(t).as("the handshake must fail").isNotNull();
        assertThat(messages(t)).contains(SSLHandshakeException.class.getName() + ": ")
                .containsPattern(fatalAlert(engine, alerts));
    }

    /**
     * How a Spindle server on {@code engine} reports a client that sent no certificate although one is required:
     * the JDK's "Empty client certificate chain", BoringSSL's PEER_DID_NOT_RETURN_A_CERTIFICATE.
     */
    static String noClientCertificate(TlsEngine engine) {
        return switch (engine) {
            case JDK -> "Empty client certificate chain";
            case BORINGSSL -> "PEER_DID_NOT_RETURN_A_CERTIFICATE";
        };
    }

    /** The messages of {@code t} and all its causes, for assertions that must not depend on the nesting. */
    static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    /** How often {@code regex} matches in {@code text}. */
    static int countMatches(String text, String regex) {
        return (int) Pattern.compile(regex).matcher(text).results().count();
    }

    /** How often {@code literal} occurs in {@code text}. */
    static int count(String text, String literal) {
        return countMatches(text, Pattern.quote(literal));
    }
}
