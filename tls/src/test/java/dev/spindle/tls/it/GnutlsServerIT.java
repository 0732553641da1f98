package dev.spindle.tls.it;

import dev.spindle.net.TcpStream;
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
import java.util.Map;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.IMPOSTOR_CLIENT;
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
 * The Spindle client against {@code gnutls-serv} (GnuTLS 3.7): a TLS stack that shares no code with OpenSSL or
 * the JDK, so its record layer, extensions and alerts are a second, independent opinion.
 *
 * <p>{@code gnutls-serv --http} answers {@code GET /} with a page describing the session as GnuTLS negotiated
 * it (protocol version, key exchange and signature, cipher, the client certificate) and closes the connection;
 * the tests compare that with what Spindle saw, and every page must end with the server's close_notify (a
 * truncation fails {@link Interop#httpGet}). Covered: TLS 1.2 and 1.3 suites with ECDSA and RSA certificates
 * from one server, ALPN as GnuTLS selects it, SNI checked by the server ({@code --sni-hostname-fatal} refuses
 * any other name), client certificates required and verified (an impostor's refused with bad_certificate, a
 * missing one with certificate_required), and an echo of 1 MiB each way through {@code gnutls-serv --echo}
 * ending in close_notify in both directions (gnutls-serv ends the session only on ours). Every test runs on both
 * engines ({@link TlsEngine}), with the differences of BoringSSL asserted: alerts named in its own words
 * ({@link Interop#fatalAlert}), and no restriction of TLS 1.3 cipher suites ({@link Interop#assertRestrictedSuite}).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class GnutlsServerIT {
    private static final int HTTP = PeerFixture.freePort();
    private static final int SNI_PORT = PeerFixture.freePort();
    private static final int MTLS = PeerFixture.freePort();
    private static final int ECHO = PeerFixture.freePort();

    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.server("gnutls-server-it", servers(), Interop.pkiFiles(),
            HTTP, SNI_PORT, MTLS, ECHO);

    @Parameter
    TlsEngine engine;

    private static String servers() {
        String d = Interop.DIR;
        String ec = " --x509certfile " + d + "/server-ec.pem --x509keyfile " + d + "/server-ec.key";
        String rsa = " --x509certfile " + d + "/server-rsa.pem --x509keyfile " + d + "/server-rsa.key";
        return String.join("\n",
                "set -e",
                // Two certificates: GnuTLS takes the one the negotiated suite (or signature scheme) needs.
                "gnutls-serv --http -p " + HTTP + ec + rsa + " --alpn h2 --alpn http/1.1 &",
                "gnutls-serv --http -p " + SNI_PORT + " --x509certfile " + d + "/sni.pem --x509keyfile " + d
                        + "/sni.key --sni-hostname sni.test --sni-hostname-fatal &",
                "gnutls-serv --http -p " + MTLS + ec + " --require-client-cert --verify-client-cert --x509cafile "
                        + d + "/ca.pem &",
                // --crlf: otherwise the echo server turns CRLF into LF. It echoes C strings (a NUL byte ends
                // a message), so the test sends text. What it prints for each message goes nowhere.
                "gnutls-serv --echo --crlf -p " + ECHO + ec + " > /dev/null &",
                "wait");
    }

    /** How the page names the cipher of each TLS 1.3 suite. */
    private static final Map<String, String> TLS13_CIPHERS = Map.of("TLS_AES_128_GCM_SHA256", "AES-128-GCM",
            "TLS_AES_256_GCM_SHA384", "AES-256-GCM", "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305");

    /**
     * The page names the version ("TLS1.2"), the cipher ("AES-128-GCM"), for TLS 1.2 the suite in GnuTLS's
     * spelling ("ECDHE_RSA_AES_128_GCM_SHA256"), and the signature in its description ("-(RSA-PSS-RSAE-SHA256)-").
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, AES-128-GCM, -, ANY",
            "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, CHACHA20-POLY1305, -, ANY",
            "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, AES-256-GCM, ECDHE_ECDSA_AES_256_GCM_SHA384, EC",
            "TLSv1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, AES-128-GCM, ECDHE_RSA_AES_128_GCM_SHA256, RSA",
            "TLSv1.2, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, CHACHA20-POLY1305, ECDHE_RSA_CHACHA20_POLY1305, RSA"})
    void negotiatesTheProtocolAndCipherSuiteTheClientAllows(String protocol, String suite, String gnutlsCipher,
                                                            String gnutlsSuite, String keyType) {
        TlsConnector connector = restrictedConnector(engine, protocol, suite);
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", HTTP);
        String negotiated = assertRestrictedSuite(engine, tls, protocol, suite);
        assertServerCertificate(tls, keyType);
        String signature = tls.peerCertificates().getFirst().getPublicKey().getAlgorithm().equals("RSA")
                ? ")-(RSA-" : ")-(ECDSA-";
        String page = PEER.httpGet(tls, "localhost", "/");
        assertThat(page).as(page).startsWith("HTTP/1.0 200 OK")
                .contains("<TD>Protocol version:</TD><TD>" + protocol.replace("TLSv", "TLS") + "</TD>")
                .contains("<TD>Cipher</TD><TD>" + TLS13_CIPHERS.getOrDefault(negotiated, gnutlsCipher) + "</TD>")
                .contains(signature);
        if (!gnutlsSuite.equals("-")) { // the page names the suite for TLS 1.2 only
            assertThat(page).contains("<TD>Ciphersuite</TD><TD>" + gnutlsSuite + "</TD>");
        }
    }

    @ParameterizedTest(name = "offered {0}")
    @CsvSource(delimiter = ';', value = {
            "h2,http/1.1; h2",
            "http/1.1; http/1.1",
            "spdy/3.1; none"}) // no common protocol: without --alpn-fatal, GnuTLS goes on without ALPN
    void alpnIsWhatTheServerSelects(String offered, String expected) {
        TlsConnector connector = connector(engine).alpn(offered.split(",")).build();
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", HTTP);
        assertThat(tls.applicationProtocol().orElse("none")).isEqualTo(expected);
        assertThat(PEER.httpGet(tls, "localhost", "/")).startsWith("HTTP/1.0 200 OK");
    }

    @Test
    void theServerSeesTheSniNameAndRefusesAnyOther() {
        TlsConnector connector = connector(engine).build();
        TlsStream<TcpStream> named = PEER.connect(connector, "sni.test", SNI_PORT);
        assertThat(named.peerCertificates()).containsExactly(SNI.certificate());
        String page = PEER.httpGet(named, "sni.test", "/");
        assertThat(page).as(page).contains("Server Name: sni.test");

        // --sni-hostname-fatal: another name is refused
        assertHandshakeFailedWithAlert(catchThrowable(() -> PEER.connect(connector, "localhost", SNI_PORT)), engine,
                "unrecognized_name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) {
        TlsConnector connector = connector(engine, CLIENT).protocols(protocol).build();
        String page = PEER.httpGet(connector, "localhost", MTLS, "/");
        assertThat(page).as(page).startsWith("HTTP/1.0 200 OK").contains("Subject: CN=client.test");
    }

    /**
     * In TLS 1.2 the alert ends the client's handshake; in TLS 1.3 the client has finished its handshake before
     * the server checks the certificate, so the alert arrives at the first read. Either way the error names it.
     * gnutls-serv 3.7.9 picks its own alerts: access_denied for a certificate it does not trust, decode_error
     * for a TLS 1.2 client that sends no certificate, certificate_required in TLS 1.3 (seen 2026-11-26).
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
            "TLSv1.2, impostor, bad_certificate|access_denied",
            "TLSv1.3, impostor, bad_certificate|access_denied",
            "TLSv1.2, none, certificate_required|decode_error|handshake_failure",
            "TLSv1.3, none, certificate_required"})
    void aBadOrMissingClientCertificateIsRejected(String protocol, String certificate, String alert) {
        TlsConnector connector = connector(engine, certificate.equals("none") ? null : IMPOSTOR_CLIENT)
                .protocols(protocol).build();
        Throwable t = catchThrowable(() -> PEER.httpGet(connector, "localhost", MTLS, "/"));
        assertThat(t).as("the server must refuse the connection").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLException.class);
        assertThat(messages(t)).containsPattern(fatalAlert(engine, alert));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void echoesAMebibyteEachWayAndBothSidesCloseWithCloseNotify(String protocol) throws Exception {
        TlsConnector connector = connector(engine).protocols(protocol).build();
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", ECHO);
        Interop.Transfer t = Interop.echoTransfer(PEER.rt(), tls, Payload.text(3, 1 << 20));
        assertThat(t.received()).isEqualTo(t.sent());
        assertThat(t.receivedSha256()).isEqualTo(t.sentSha256());
    }
}
