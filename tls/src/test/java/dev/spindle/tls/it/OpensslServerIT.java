package dev.spindle.tls.it;

import dev.spindle.net.TcpStream;
import dev.spindle.testing.peers.Output;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.TlsStream;
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

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateExpiredException;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.IMPOSTOR_CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SNI;
import static dev.spindle.tls.it.Interop.assertHandshakeFailedWithAlert;
import static dev.spindle.tls.it.Interop.assertRestrictedSuite;
import static dev.spindle.tls.it.Interop.restrictedConnector;
import static dev.spindle.tls.it.Interop.assertServerCertificate;
import static dev.spindle.tls.it.Interop.connector;
import static dev.spindle.tls.it.Interop.fatalAlert;
import static dev.spindle.tls.it.Interop.messages;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The Spindle client against {@code openssl s_server} (OpenSSL 3.0), the reference implementation most TLS
 * servers are built on.
 *
 * <p>Most servers here run with {@code -www}: for {@code GET /} they answer with a page describing the session
 * as OpenSSL negotiated it ("Protocol  : TLSv1.2", "Cipher    : ECDHE-RSA-AES128-GCM-SHA256", "Reused" or
 * "New", the client certificate it verified), so each test checks the peer's view against Spindle's, and then
 * close the connection with close_notify, which the client must read as a clean end of stream (every
 * {@link Interop#httpGet} fails on a truncation). What is covered:
 * <ul>
 *   <li>TLS 1.2 and 1.3 with several cipher suites, ECDSA and RSA certificates (one server holding both, which
 *       picks the certificate the suite needs);</li>
 *   <li>ALPN as the server selects it (s_server prefers its own order, and refuses a client that offers
 *       nothing it speaks with the no_application_protocol alert);</li>
 *   <li>SNI: s_server with {@code -servername sni.test -cert2} presents the second certificate only to a client
 *       that sent that name;</li>
 *   <li>client certificates: accepted when our CA issued them, rejected (with the alert named in the error)
 *       when an impostor CA with our CA's name did ({@link Interop#IMPOSTOR_CA}) or when none is sent;</li>
 *   <li>server certificates that must be refused: expired, issued by an unknown CA, issued for another host;</li>
 *   <li>a 4 MiB download ({@code -WWW} serves files) checked against the sha256sum of the file;</li>
 *   <li>session resumption with the ticket OpenSSL issued.</li>
 * </ul>
 * All servers run in one container started once for the class. Every test runs on both engines ({@link TlsEngine}),
 * with the differences of BoringSSL asserted: alerts named in its own words ({@link Interop#fatalAlert}), and no
 * restriction of TLS 1.3 cipher suites ({@link Interop#assertRestrictedSuite}).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class OpensslServerIT {
    private static final int BIG = 4 << 20;

    private static final int MAIN = PeerFixture.freePort();
    private static final int SNI_PORT = PeerFixture.freePort();
    private static final int MTLS = PeerFixture.freePort();
    private static final int EXPIRED = PeerFixture.freePort();
    private static final int UNTRUSTED = PeerFixture.freePort();
    private static final int WRONG_HOST = PeerFixture.freePort();
    private static final int FILES = PeerFixture.freePort();

    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.server("openssl-server-it", servers(), Interop.pkiFiles(),
            MAIN, SNI_PORT, MTLS, EXPIRED, UNTRUSTED, WRONG_HOST, FILES);

    @Parameter
    TlsEngine engine;

    private static String servers() {
        String d = Interop.DIR;
        String server = "openssl s_server -accept 127.0.0.1:";
        String ec = " -cert " + d + "/server-ec.pem -key " + d + "/server-ec.key";
        return String.join("\n",
                "set -e",
                "cd /", // -WWW serves paths relative to the working directory: GET /data/big is /data/big
                "head -c " + BIG + " /dev/urandom > /data/big",
                "echo BIG_SHA $(sha256sum < /data/big | cut -d' ' -f1)",
                // One server, two certificates: OpenSSL takes the one the negotiated suite needs.
                server + MAIN + " -cert " + d + "/server-rsa.pem -key " + d + "/server-rsa.key -dcert " + d
                        + "/server-ec.pem -dkey " + d + "/server-ec.key -alpn h2,http/1.1 -www &",
                server + SNI_PORT + ec + " -cert2 " + d + "/sni.pem -key2 " + d + "/sni.key -servername sni.test -www &",
                // -Verify (capital): a client certificate is required; -verify_return_error: a bad one aborts.
                server + MTLS + ec + " -Verify 1 -CAfile " + d + "/ca.pem -verify_return_error -www &",
                server + EXPIRED + " -cert " + d + "/expired.pem -key " + d + "/expired.key -www &",
                server + UNTRUSTED + " -cert " + d + "/untrusted.pem -key " + d + "/untrusted.key -www &",
                server + WRONG_HOST + " -cert " + d + "/wrong-host.pem -key " + d + "/wrong-host.key -www &",
                server + FILES + ec + " -WWW &",
                "wait");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, ANY",
            "TLSv1.3, TLS_AES_256_GCM_SHA384, TLS_AES_256_GCM_SHA384, ANY",
            "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, TLS_CHACHA20_POLY1305_SHA256, ANY",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, ECDHE-ECDSA-AES256-GCM-SHA384, EC",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, ECDHE-ECDSA-CHACHA20-POLY1305, EC",
            "TLSv1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE-RSA-AES128-GCM-SHA256, RSA",
            "TLSv1.2, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, ECDHE-RSA-CHACHA20-POLY1305, RSA"})
    void negotiatesTheProtocolAndCipherSuiteTheClientAllows(String protocol, String suite, String opensslName,
                                                            String keyType) {
        TlsConnector connector = restrictedConnector(engine, protocol, suite);
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", MAIN);
        String negotiated = assertRestrictedSuite(engine, tls, protocol, suite);
        assertServerCertificate(tls, keyType);
        String page = PEER.httpGet(tls, "localhost", "/");
        assertThat(page).as(page).startsWith("HTTP/1.0 200 ok")
                .contains("Protocol  : " + protocol)
                // OpenSSL names TLS 1.3 suites as the RFC does
                .contains("Cipher    : " + (protocol.equals("TLSv1.3") ? negotiated : opensslName))
                .contains("no client certificate available")
                .endsWith("</HTML>\r\n\r\n");
    }

    @ParameterizedTest(name = "offered {0}")
    @CsvSource(delimiter = ';', value = {
            "h2,http/1.1; h2",
            "http/1.1,h2; h2", // the server's preference (h2 first) wins over the client's order
            "http/1.1; http/1.1"})
    void alpnIsWhatTheServerSelects(String offered, String expected) {
        TlsConnector connector = connector(engine).alpn(offered.split(",")).build();
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", MAIN);
        assertThat(tls.applicationProtocol()).contains(expected);
        assertThat(PEER.httpGet(tls, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @Test
    void noAlpnOfferedMeansNoneSelected() {
        TlsStream<TcpStream> tls = PEER.connect(connector(engine).build(), "localhost", MAIN);
        assertThat(tls.applicationProtocol()).isEmpty();
        assertThat(PEER.httpGet(tls, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @Test
    void noCommonAlpnProtocolFailsTheHandshakeWithTheServersAlert() {
        TlsConnector connector = connector(engine).alpn("spdy/3.1").build();
        // OpenSSL 3.0's s_server refuses a client whose ALPN list it cannot serve
        assertHandshakeFailedWithAlert(catchThrowable(() -> PEER.connect(connector, "localhost", MAIN)), engine,
                "no_application_protocol");
    }

    @Test
    void sniMakesTheServerPresentTheCertificateForThatName() {
        TlsConnector connector = connector(engine).build();
        TlsStream<TcpStream> named = PEER.connect(connector, "sni.test", SNI_PORT);
        assertThat(named.sniHostName()).contains("sni.test");
        assertThat(named.peerCertificates()).containsExactly(SNI.certificate());
        assertThat(PEER.httpGet(named, "sni.test", "/")).startsWith("HTTP/1.0 200 ok");

        TlsStream<TcpStream> other = PEER.connect(connector, "localhost", SNI_PORT);
        assertThat(other.sniHostName()).contains("localhost");
        assertThat(other.peerCertificates()).as("the default certificate for any other name")
                .containsExactly(SERVER_EC.certificate());
        assertThat(PEER.httpGet(other, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) {
        TlsConnector connector = connector(engine, CLIENT).protocols(protocol).build();
        String page = PEER.httpGet(connector, "localhost", MTLS, "/");
        assertThat(page).as(page).startsWith("HTTP/1.0 200 ok")
                .contains("Protocol  : " + protocol)
                .contains("Verify return code: 0 (ok)")
                .contains("Client certificate")
                .contains("Subject: CN=client.test");
    }

    /**
     * In TLS 1.2 the alert ends the client's handshake; in TLS 1.3 the client has finished its handshake before
     * the server checks the certificate, so the alert arrives at the first read. Either way the error names it.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
            "TLSv1.2, impostor, unknown_ca",
            "TLSv1.3, impostor, unknown_ca",
            "TLSv1.2, none, handshake_failure",
            "TLSv1.3, none, certificate_required"})
    void aBadOrMissingClientCertificateIsRejected(String protocol, String certificate, String alert) {
        boolean none = certificate.equals("none");
        TlsConnector connector = connector(engine, none ? null : IMPOSTOR_CLIENT).protocols(protocol)
                .build();
        Throwable t = catchThrowable(() -> PEER.httpGet(connector, "localhost", MTLS, "/"));
        assertThat(t).as("the server must refuse the connection").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLException.class);
        assertThat(messages(t)).containsPattern(fatalAlert(engine, alert));
    }

    @Test
    void anExpiredServerCertificateIsRejected() {
        Throwable t = rejectedServer(EXPIRED);
        assertThat(messages(t)).contains("validity check failed");
        assertThat(t).hasRootCauseInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void aServerCertificateFromAnUnknownCaIsRejected() {
        assertThat(messages(rejectedServer(UNTRUSTED)))
                .contains("PKIX path building failed")
                .contains("unable to find valid certification path to requested target");
    }

    @Test
    void aServerCertificateForAnotherHostIsRejected() {
        assertThat(messages(rejectedServer(WRONG_HOST)))
                .contains("No subject alternative DNS name matching localhost found");
    }

    /** The handshake fails on the client, with an error that says where: an SSLHandshakeException from connect. */
    private Throwable rejectedServer(int port) {
        TlsConnector connector = connector(engine).build();
        Throwable t = catchThrowable(() -> PEER.connect(connector, "localhost", port));
        assertThat(t).as("the handshake must fail").isNotNull();
        assertThat(t).cause().isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("TLS handshake with localhost:" + port)
                .cause().isInstanceOf(SSLHandshakeException.class);
        return t;
    }

    @Test
    void downloadsFourMebibytesIntactAndEndsAtTheServersCloseNotify() {
        TlsConnector connector = connector(engine).build();
        String response = PEER.httpGet(connector, "localhost", FILES, "/data/big");
        int bodyStart = response.indexOf("\r\n\r\n") + 4;
        assertThat(response).startsWith("HTTP/1.0 200 ok");
        assertThat(response.length() - bodyStart).isEqualTo(BIG);
        byte[] body = response.substring(bodyStart).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Payload.sha256(body)).isEqualTo(Output.value(PEER.logs(), "BIG_SHA"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void theSecondConnectionResumesTheSession(String protocol) {
        // One connector (one SSLContext and its client session cache) for both connections.
        TlsConnector connector = connector(engine).protocols(protocol).build();
        String first = PEER.httpGet(connector, "localhost", MAIN, "/");
        String second = PEER.httpGet(connector, "localhost", MAIN, "/");
        assertThat(first).as(first).contains("\nNew, " + protocol);
        assertThat(second).as(second).contains("\nReused, " + protocol);
    }
}
