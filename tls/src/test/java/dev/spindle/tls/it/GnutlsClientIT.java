package dev.spindle.tls.it;

import dev.spindle.tls.ClientAuth;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.it.SpindleTlsServer.Report;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLHandshakeException;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.acceptor;
import static dev.spindle.tls.it.Interop.countMatches;
import static dev.spindle.tls.it.Interop.messages;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gnutls-cli} (GnuTLS 3.7) against Spindle servers ({@link SpindleTlsServer}): a client that shares no
 * code with the JDK or OpenSSL. It prints the session it negotiated ("- Description: (TLS1.3-X.509)-...",
 * "- Application protocol: h2"), which the tests compare with the Spindle side's report.
 *
 * <p>At the end of its input gnutls-cli sends close_notify and keeps reading, so the echo server
 * ({@link SpindleTlsServer#echo()}) must read a clean end of stream (no truncation), and answers with its own
 * close_notify. (gnutls-cli reports "Peer has closed the GnuTLS connection" even for a bare TCP close once it
 * has sent its own close_notify, so our side of the closing handshake is checked by {@link OpensslClientIT}.)
 * Covered: TLS 1.2 and 1.3 suites chosen by GnuTLS priority strings with ECDSA and RSA certificates that
 * gnutls-cli verifies against our CA and the host name, ALPN as we select it, SNI, client certificates
 * (accepted; an impostor's refused), and TLS 1.3 key updates from gnutls-cli's {@code ^rekey^} and
 * {@code ^rekey1^} commands, with our answer to the one that requests it visible in gnutls-cli's debug log.
 * Every test runs on both engines ({@link TlsEngine}); where BoringSSL differs by design (no
 * no_application_protocol alert), the test says so.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class GnutlsClientIT {
    /** A line to echo, as a printf format. */
    private static final String PING = "ping-7f3a\\n";

    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.clients("gnutls-client-it");

    @Parameter
    TlsEngine engine;

    /**
     * gnutls-cli to 127.0.0.1 (not "localhost", which may resolve to ::1 first), checking the certificate for
     * "localhost" against our CA.
     */
    private static String gnutlsCli(int port, String options, String input) {
        return "printf '" + input + "' | gnutls-cli -p " + port + " 127.0.0.1 --verify-hostname localhost"
                + " --x509cafile /peer/ca.pem " + options + " 2>&1; echo EXIT $?";
    }

    /**
     * The priority string allows one version, one cipher and (for TLS 1.2) one key exchange; gnutls-cli describes
     * the session as "(TLS1.2-X.509)-(ECDHE-SECP256R1)-(RSA-SHA256)-(AES-128-GCM)".
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, -, AES-128-GCM, TLS_AES_128_GCM_SHA256, EC",
            "TLSv1.3, -, CHACHA20-POLY1305, TLS_CHACHA20_POLY1305_SHA256, RSA",
            "TLSv1.2, ECDHE-ECDSA, AES-256-GCM, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, EC",
            "TLSv1.2, ECDHE-RSA, AES-128-GCM, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, RSA"})
    void negotiatesWhatThePriorityStringAllowsAndEchoes(String protocol, String keyExchange, String cipher,
                                                        String jdkName, String keyType) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, keyType.equals("EC") ? SERVER_EC : SERVER_RSA).build();
        String version = protocol.replace("TLSv", "TLS");
        String priority = "NORMAL:-VERS-ALL:+VERS-" + version
                + (keyExchange.equals("-") ? "" : ":-KX-ALL:+" + keyExchange) + ":-CIPHER-ALL:+" + cipher;
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(),
                    "--sni-hostname localhost --priority " + priority, "hello from gnutls\\n"));
            assertThat(out).as(out)
                    .containsPattern("- Description: \\(" + version + "-X\\.509\\)-.*-\\(" + cipher + "\\)\n")
                    .contains("- Status: The certificate is trusted.")
                    .contains("hello from gnutls")
                    .contains("- Peer has closed the GnuTLS connection")
                    .contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.cipherSuite()).isEqualTo(jdkName);
            assertThat(r.sni()).contains("localhost");
            assertThat(r.receivedText()).isEqualTo("hello from gnutls\n");
            assertThat(r.cleanEof()).as("gnutls-cli ended its side with close_notify").isTrue();
        }
    }

    @ParameterizedTest(name = "offered {0}")
    @CsvSource(delimiter = ';', value = {
            "--alpn http/1.1 --alpn h2; h2", // our preference (h2 first) wins over the client's order
            "--alpn http/1.1; http/1.1"})
    void alpnIsWhatWeSelect(String options, String expected) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(), options, PING));
            assertThat(out).as(out).contains("- Application protocol: " + expected + "\n").contains("EXIT 0");
            assertThat(server.next().assertOk().alpn()).contains(expected);
        }
    }

    /**
     * The JDK engine refuses with the no_application_protocol alert; BoringSSL cannot send it (TlsEngine) and
     * closes the connection, which gnutls-cli reports as a connection closed without close_notify.
     */
    @Test
    void noCommonAlpnProtocolIsRefused() throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).alpn("h2", "http/1.1").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(), "--alpn spdy/3.1", PING));
            switch (engine) {
                case JDK -> assertThat(out).as(out)
                        .contains("*** Received alert [120]: No supported application protocol could be negotiated");
                case BORINGSSL -> assertThat(out).as(out)
                        .contains("*** Fatal error: The TLS connection was non-properly terminated.")
                        .doesNotContain("Received alert");
            }
            assertThat(out).as(out).doesNotContain("EXIT 0");
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains("no_application_protocol");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {"--sni-hostname sni.test; sni.test", "--disable-sni; none"})
    void theServerSeesTheNameTheClientSent(String option, String expected) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(), option, PING));
            assertThat(out).as(out).contains("EXIT 0");
            assertThat(server.next().assertOk().sni().orElse("none")).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols(protocol)
                .clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(),
                    "--x509certfile /peer/client.pem --x509keyfile /peer/client.key", PING));
            assertThat(out).as(out).contains("- Successfully sent 1 certificate(s) to server.").contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.peerCertificates().getFirst()).isEqualTo(CLIENT.certificate());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void anImpostorClientCertificateIsRefused(String protocol) throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols(protocol)
                .clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(),
                    "--x509certfile /peer/impostor-client.pem --x509keyfile /peer/impostor-client.key", PING));
            assertThat(out).as(out).contains("- Successfully sent 1 certificate(s) to server.")
                    .doesNotContain("ping-7f3a");
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains(SSLHandshakeException.class.getName())
                    .contains("Path does not chain with any of the trust anchors");
        }
    }

    /**
     * {@code ^rekey^} updates gnutls-cli's keys and requests that we update ours; {@code ^rekey1^} updates only
     * its own. With {@code -d 4} gnutls-cli logs each KeyUpdate it sends and receives.
     */
    @Test
    void keyUpdatesInBothDirectionsKeepTheEchoIntact() throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).protocols("TLSv1.3").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.echo())) {
            String out = PEER.runPeer(gnutlsCli(server.port(), "--inline-commands -d 4",
                    "alpha-1\\n^rekey^\\nbravo-2\\n^rekey1^\\ncharlie-3\\n"));
            assertThat(out).as(out).contains("EXIT 0").contains("- Peer has closed the GnuTLS connection");
            assertThat(countMatches(out, "sending key update \\(1\\)")).as("^rekey^: update_requested").isEqualTo(1);
            assertThat(countMatches(out, "sending key update \\(0\\)")).as("^rekey1^").isEqualTo(1);
            assertThat(countMatches(out, "received TLS 1.3 key update \\(0\\)")).as("our answer to ^rekey^")
                    .isEqualTo(1);
            assertThat(out).contains("alpha-1").contains("bravo-2").contains("charlie-3");
            Report r = server.next().assertOk();
            assertThat(r.receivedText()).isEqualTo("alpha-1\nbravo-2\ncharlie-3\n");
            assertThat(r.cleanEof()).isTrue();
        }
    }
}
