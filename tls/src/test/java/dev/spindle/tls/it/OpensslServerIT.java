package dev.spindle.tls.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpStream;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.containers.GenericContainer;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.IMPOSTOR_CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.SNI;
import static dev.spindle.tls.it.Interop.connect;
import static dev.spindle.tls.it.Interop.context;
import static dev.spindle.tls.it.Interop.httpGet;
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
 * All servers run in one container started once for the class.
 */
@Timeout(value = 60, unit = SECONDS)
class OpensslServerIT {
    private static final int BIG = 4 << 20;

    private static SpindleRuntime rt;
    private static GenericContainer<?> peer;
    private static int main;
    private static int sni;
    private static int mtls;
    private static int expired;
    private static int untrusted;
    private static int wrongHost;
    private static int files;

    @BeforeAll
    static void startPeers() throws Exception {
        Peers.requireDocker();
        main = Peers.freePort();
        sni = Peers.freePort();
        mtls = Peers.freePort();
        expired = Peers.freePort();
        untrusted = Peers.freePort();
        wrongHost = Peers.freePort();
        files = Peers.freePort();
        String d = Interop.DIR;
        String server = "openssl s_server -accept 127.0.0.1:";
        String ec = " -cert " + d + "/server-ec.pem -key " + d + "/server-ec.key";
        peer = Peers.listening(String.join("\n",
                "set -e",
                "cd /", // -WWW serves paths relative to the working directory: GET /data/big is /data/big
                "head -c " + BIG + " /dev/urandom > /data/big",
                "echo BIG_SHA $(sha256sum < /data/big | cut -d' ' -f1)",
                // One server, two certificates: OpenSSL takes the one the negotiated suite needs.
                server + main + " -cert " + d + "/server-rsa.pem -key " + d + "/server-rsa.key -dcert " + d
                        + "/server-ec.pem -dkey " + d + "/server-ec.key -alpn h2,http/1.1 -www &",
                server + sni + ec + " -cert2 " + d + "/sni.pem -key2 " + d + "/sni.key -servername sni.test -www &",
                // -Verify (capital): a client certificate is required; -verify_return_error: a bad one aborts.
                server + mtls + ec + " -Verify 1 -CAfile " + d + "/ca.pem -verify_return_error -www &",
                server + expired + " -cert " + d + "/expired.pem -key " + d + "/expired.key -www &",
                server + untrusted + " -cert " + d + "/untrusted.pem -key " + d + "/untrusted.key -www &",
                server + wrongHost + " -cert " + d + "/wrong-host.pem -key " + d + "/wrong-host.key -www &",
                server + files + ec + " -WWW &",
                "wait"), Interop.pkiFiles(), main, sni, mtls, expired, untrusted, wrongHost, files);
        rt = Interop.runtime("openssl-server-it");
    }

    @AfterAll
    static void stopPeers() {
        if (peer != null) {
            peer.close();
        }
        if (rt != null) {
            rt.close();
        }
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
        TlsConnector connector = TlsConnector.builder(context(null)).protocols(protocol).cipherSuites(suite).build();
        TlsStream<TcpStream> tls = connect(rt, connector, "localhost", main);
        assertThat(tls.protocol()).isEqualTo(protocol);
        assertThat(tls.cipherSuite()).isEqualTo(suite);
        X509Certificate presented = tls.peerCertificates().getFirst();
        switch (keyType) {
            case "EC" -> assertThat(presented).isEqualTo(SERVER_EC.certificate());
            case "RSA" -> assertThat(presented).isEqualTo(SERVER_RSA.certificate());
            default -> assertThat(presented).isIn(SERVER_EC.certificate(), SERVER_RSA.certificate());
        }
        String page = httpGet(rt, tls, "localhost", "/");
        assertThat(page).as(page).startsWith("HTTP/1.0 200 ok")
                .contains("Protocol  : " + protocol)
                .contains("Cipher    : " + opensslName)
                .contains("no client certificate available")
                .endsWith("</HTML>\r\n\r\n");
    }

    @ParameterizedTest(name = "offered {0}")
    @CsvSource(delimiter = ';', value = {
            "h2,http/1.1; h2",
            "http/1.1,h2; h2", // the server's preference (h2 first) wins over the client's order
            "http/1.1; http/1.1"})
    void alpnIsWhatTheServerSelects(String offered, String expected) {
        TlsConnector connector = TlsConnector.builder(context(null)).alpn(offered.split(",")).build();
        TlsStream<TcpStream> tls = connect(rt, connector, "localhost", main);
        assertThat(tls.applicationProtocol()).contains(expected);
        assertThat(httpGet(rt, tls, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @Test
    void noAlpnOfferedMeansNoneSelected() {
        TlsStream<TcpStream> tls = connect(rt, TlsConnector.builder(context(null)).build(), "localhost", main);
        assertThat(tls.applicationProtocol()).isEmpty();
        assertThat(httpGet(rt, tls, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @Test
    void noCommonAlpnProtocolFailsTheHandshakeWithTheServersAlert() {
        TlsConnector connector = TlsConnector.builder(context(null)).alpn("spdy/3.1").build();
        Throwable t = catchThrowable(() -> connect(rt, connector, "localhost", main));
        assertThat(t).as("OpenSSL 3.0's s_server refuses a client whose ALPN list it cannot serve").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("Received fatal alert: no_application_protocol");
    }

    @Test
    void sniMakesTheServerPresentTheCertificateForThatName() {
        TlsConnector connector = TlsConnector.builder(context(null)).build();
        TlsStream<TcpStream> named = connect(rt, connector, "sni.test", sni);
        assertThat(named.sniHostName()).contains("sni.test");
        assertThat(named.peerCertificates()).containsExactly(SNI.certificate());
        assertThat(httpGet(rt, named, "sni.test", "/")).startsWith("HTTP/1.0 200 ok");

        TlsStream<TcpStream> other = connect(rt, connector, "localhost", sni);
        assertThat(other.sniHostName()).contains("localhost");
        assertThat(other.peerCertificates()).as("the default certificate for any other name")
                .containsExactly(SERVER_EC.certificate());
        assertThat(httpGet(rt, other, "localhost", "/")).startsWith("HTTP/1.0 200 ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsAccepted(String protocol) {
        TlsConnector connector = TlsConnector.builder(context(CLIENT)).protocols(protocol).build();
        String page = httpGet(rt, connect(rt, connector, "localhost", mtls), "localhost", "/");
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
        TlsConnector connector = TlsConnector.builder(context(none ? null : IMPOSTOR_CLIENT)).protocols(protocol)
                .build();
        Throwable t = catchThrowable(() -> httpGet(rt, connect(rt, connector, "localhost", mtls), "localhost", "/"));
        assertThat(t).as("the server must refuse the connection").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLException.class);
        assertThat(messages(t)).contains("Received fatal alert: " + alert);
    }

    @Test
    void anExpiredServerCertificateIsRejected() {
        Throwable t = rejectedServer(expired);
        assertThat(messages(t)).contains("validity check failed");
        assertThat(t).hasRootCauseInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void aServerCertificateFromAnUnknownCaIsRejected() {
        assertThat(messages(rejectedServer(untrusted)))
                .contains("PKIX path building failed")
                .contains("unable to find valid certification path to requested target");
    }

    @Test
    void aServerCertificateForAnotherHostIsRejected() {
        assertThat(messages(rejectedServer(wrongHost)))
                .contains("No subject alternative DNS name matching localhost found");
    }

    /** The handshake fails on the client, with an error that says where: an SSLHandshakeException from connect. */
    private static Throwable rejectedServer(int port) {
        TlsConnector connector = TlsConnector.builder(context(null)).build();
        Throwable t = catchThrowable(() -> connect(rt, connector, "localhost", port));
        assertThat(t).as("the handshake must fail").isNotNull();
        assertThat(t).cause().isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("TLS handshake with localhost:" + port)
                .cause().isInstanceOf(SSLHandshakeException.class);
        return t;
    }

    @Test
    void downloadsFourMebibytesIntactAndEndsAtTheServersCloseNotify() {
        TlsConnector connector = TlsConnector.builder(context(null)).build();
        String response = httpGet(rt, connect(rt, connector, "localhost", files), "localhost", "/data/big");
        int bodyStart = response.indexOf("\r\n\r\n") + 4;
        assertThat(response).startsWith("HTTP/1.0 200 ok");
        assertThat(response.length() - bodyStart).isEqualTo(BIG);
        byte[] body = response.substring(bodyStart).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Payload.sha256(body)).isEqualTo(Output.value(peer.getLogs(), "BIG_SHA"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void theSecondConnectionResumesTheSession(String protocol) {
        // One connector (one SSLContext and its client session cache) for both connections.
        TlsConnector connector = TlsConnector.builder(context(null)).protocols(protocol).build();
        String first = httpGet(rt, connect(rt, connector, "localhost", main), "localhost", "/");
        String second = httpGet(rt, connect(rt, connector, "localhost", main), "localhost", "/");
        assertThat(first).as(first).contains("\nNew, " + protocol);
        assertThat(second).as(second).contains("\nReused, " + protocol);
    }
}
