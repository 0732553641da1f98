package dev.spindle.examples.net;

import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.perf.servers.kit.TlsAcceptors;
import dev.spindle.tls.Certificates;
import dev.spindle.tls.SelfSigned;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static dev.spindle.examples.net.TlsServerFixture.assumeAvailable;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS echo server over loopback, on both engines, with JDK {@link SSLSocket} clients (a TLS implementation
 * the server does not share when it runs BoringSSL): echoes checked byte for byte, the command line's key
 * material (a certificate directory, or a self-signed certificate), and the real main in a child JVM.
 */
@Timeout(value = 60, unit = SECONDS)
class TlsEchoServerTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @RegisterExtension
    static final TlsServerFixture TLS = new TlsServerFixture("tls-echo-test-");

    @ParameterizedTest
    @CsvSource({"JDK, TLSv1.3", "JDK, TLSv1.2", "BORINGSSL, TLSv1.3", "BORINGSSL, TLSv1.2"})
    void echoesConcurrentClientsByteForByte(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = TLS.acceptor(engine, protocol).build();
        try (ServerHandle server = TlsEchoServer.start(TLS.rt(), ANY_LOOPBACK, acceptor)) {
            try (SSLSocket probe = TlsClients.connect(TLS.trust(), server.port())) {
                assertThat(probe.getSession().getProtocol()).as("the one version enabled").isEqualTo(protocol);
            }
            // Bigger than the socket buffers and many TLS records each, from several clients at once.
            List<String> failures = EchoClient.concurrently(4, c -> EchoClient.echoChecked(
                    TlsClients.connect(TLS.trust(), server.port()), 1024 * 1024 + c * 1001, c, EchoClient.Ending.READ_ALL));
            assertThat(failures).isEmpty();
        }
    }

    @Test
    void aClientThatIsNotTlsDoesNotDisturbTheOthers() throws Exception {
        TlsAcceptor acceptor = TLS.acceptor().build();
        try (ServerHandle server = TlsEchoServer.start(TLS.rt(), ANY_LOOPBACK, acceptor)) {
            try (Socket plain = new Socket("127.0.0.1", server.port())) {
                plain.setSoTimeout(10_000);
                plain.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // The failed handshake closes the connection (after an alert, or not: either way it ends).
                assertThat(plain.getInputStream().readAllBytes().length).isLessThan(100);
            }
            assertThat(EchoClient.echoChecked(TlsClients.connect(TLS.trust(), server.port()), 100_000, 3,
                    EchoClient.Ending.READ_ALL)).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void theCommandLineServesTheCertificateInCertDir(TlsEngine engine, @TempDir Path dir) throws Exception {
        assumeAvailable(engine);
        TLS.writeCertDir(dir);
        ServerCli.Options options = ServerCli.parse(new String[]{"--cert-dir", dir.toString(),
                "--engine", engine.name().toLowerCase(Locale.ROOT)}, ServerCli.Kind.TLS);
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        TlsAcceptor acceptor = TlsAcceptors.fromOptions(options.tls(), new PrintStream(notes, true, StandardCharsets.UTF_8));
        try (ServerHandle server = TlsEchoServer.start(TLS.rt(), ANY_LOOPBACK, acceptor)) {
            assertThat(EchoClient.echoChecked(TlsClients.connect(TLS.trust(), server.port()), 200_000, 7,
                    EchoClient.Ending.READ_ALL)).isNull();
        }
        assertThat(notes.toString(StandardCharsets.UTF_8)).as("nothing to say about given key material").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void serverNameServesItsOwnCertificateToClientsAskingForIt(TlsEngine engine, @TempDir Path dir) throws Exception {
        assumeAvailable(engine);
        TLS.writeCertDir(dir);
        SelfSigned api = SelfSigned.generate(SelfSigned.KeyType.EC_P256, "api.test");
        Path apiDir = Files.createDirectories(dir.resolve("api"));
        api.writeCertificatePem(apiDir.resolve("cert.pem"));
        api.writePrivateKeyPem(apiDir.resolve("key.pem"));
        ServerCli.Options options = ServerCli.parse(new String[]{"--cert-dir", dir.toString(), "--server-name",
                "api.test=" + apiDir, "--engine", engine.name().toLowerCase(Locale.ROOT)}, ServerCli.Kind.TLS);
        TlsAcceptor acceptor = TlsAcceptors.fromOptions(options.tls(), System.out);
        // Two client contexts: the JDK client's session cache is keyed by host and port (127.0.0.1 for both), so
        // one shared context would resume the api.test session on the second socket, and send its server name
        SSLContext trustBoth = Certificates.contextBuilder().trust(TLS.cert()).trust(api).build();
        SSLContext trustBothAgain = Certificates.contextBuilder().trust(TLS.cert()).trust(api).build();
        try (ServerHandle server = TlsEchoServer.start(TLS.rt(), ANY_LOOPBACK, acceptor);
             SSLSocket named = TlsClients.connectAs(trustBoth, server.port(), "api.test");
             SSLSocket other = TlsClients.connectAs(trustBothAgain, server.port(), "localhost")) {
            assertThat(named.getSession().getPeerCertificates()[0]).isEqualTo(api.certificate());
            assertThat(other.getSession().getPeerCertificates()[0]).isEqualTo(TLS.cert().certificate());
            assertThat(EchoClient.echoChecked(named, 50_000, 5, EchoClient.Ending.READ_ALL)).isNull();
        }
    }

    @Test
    void withoutCertDirItServesASelfSignedCertificateAndPrintsItsFingerprint() throws Exception {
        ServerCli.Options options = ServerCli.parse(new String[0], ServerCli.Kind.TLS);
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        TlsAcceptor acceptor = TlsAcceptors.fromOptions(options.tls(), new PrintStream(notes, true, StandardCharsets.UTF_8));
        RecordingTrust trust = new RecordingTrust();
        SSLContext trustingAnything = SSLContext.getInstance("TLS");
        trustingAnything.init(null, new TrustManager[]{trust}, null);
        try (ServerHandle server = TlsEchoServer.start(TLS.rt(), ANY_LOOPBACK, acceptor)) {
            assertThat(EchoClient.echoChecked(TlsClients.connect(trustingAnything, server.port()), 1000, 11,
                    EchoClient.Ending.READ_ALL)).isNull();
        }
        assertThat(trust.presented).isNotNull();
        assertThat(trust.presented.getSubjectX500Principal().getName()).contains("localhost");
        assertThat(notes.toString(StandardCharsets.UTF_8))
                .contains("self-signed").contains(TlsAcceptors.fingerprint(trust.presented));
    }

    @Test
    void mainServesBoringSslWithoutWarningsAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
        assumeAvailable(TlsEngine.BORINGSSL);
        TLS.writeCertDir(dir);
        // The flag the benchmark scripts give every JVM: Conscrypt loads a JNI library.
        Process p = ChildJvm.java(List.of("--enable-native-access=ALL-UNNAMED"), TlsEchoServer.class.getName(),
                "--workers", "1", "--cert-dir", dir.toString(), "--engine", "boringssl").start();
        try {
            int port = ChildJvm.listeningPort(p);
            try (SSLSocket live = TlsClients.connect(TLS.trust(), port)) {
                assertThat(EchoClient.echoChecked(TlsClients.connect(TLS.trust(), port), 50_000, 13,
                        EchoClient.Ending.READ_ALL)).isNull();
                ChildJvm.sigterm(p);
                assertThat(TlsClients.endOf(live)).as("open connections are closed").isEqualTo(-1);
            }
            ChildJvm.assertQuietStderr(p);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Trusts any server and keeps the certificate it presented. */
    private static final class RecordingTrust implements X509TrustManager {
        volatile X509Certificate presented;

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            presented = chain[0];
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
