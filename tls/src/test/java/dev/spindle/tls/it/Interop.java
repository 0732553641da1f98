package dev.spindle.tls.it;

import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.Certificates;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsStream;
import dev.spindle.tls.it.TestPki.Issued;
import dev.spindle.tls.it.TestPki.KeyType;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the TLS interop tests share: one PKI per JVM (written into the peers' containers under {@code /peer}),
 * SSL contexts built from it, and the Spindle client's side of a connection (connect, an HTTP request, an echo
 * exchange with checksums).
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

    static SpindleRuntime runtime(String name) {
        return Io.runtimeBuilder().workers(2).threadNamePrefix(name + "-").build();
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
        TlsStream.Halves<TcpStream> halves = tls.split();
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
