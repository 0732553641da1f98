package dev.spindle.tls.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.net.TcpStream;
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

import javax.net.ssl.SSLHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.IMPOSTOR_CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.SNI;
import static dev.spindle.tls.it.Interop.connect;
import static dev.spindle.tls.it.Interop.context;
import static dev.spindle.tls.it.Interop.httpGet;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The Spindle client doing HTTP over TLS against nginx (1.22, OpenSSL 3.0), configured the way sites are:
 * {@code ssl_protocols}, an explicit {@code ssl_ciphers} list, an ECDSA and an RSA certificate on one server,
 * two {@code server} blocks on one port told apart by {@code server_name} (SNI), a port that requires client
 * certificates ({@code ssl_verify_client on}) and one with HTTP/2.
 *
 * <p>Every location answers with nginx's own view of the session ({@code $ssl_protocol}, {@code $ssl_cipher},
 * {@code $ssl_server_name}, {@code $ssl_alpn_protocol}, {@code $ssl_client_verify}), which the tests compare
 * with Spindle's. Every answer must end with nginx's close_notify: {@link Interop#httpGet} fails on a
 * truncation. nginx verifies client certificates after the handshake and answers a bad or missing one with
 * "400 Bad Request" rather than an alert, which is what the mTLS tests expect.
 */
@Timeout(value = 60, unit = SECONDS)
class NginxIT {
    private static final String VIEW = "protocol=$ssl_protocol cipher=$ssl_cipher sni=$ssl_server_name"
            + " alpn=$ssl_alpn_protocol";

    private static SpindleRuntime rt;
    private static GenericContainer<?> peer;
    private static int main;
    private static int mtls;
    private static int h2;

    @BeforeAll
    static void startPeers() throws Exception {
        Peers.requireDocker();
        main = Peers.freePort();
        mtls = Peers.freePort();
        h2 = Peers.freePort();
        String d = Interop.DIR;
        String ec = "ssl_certificate " + d + "/server-ec.pem; ssl_certificate_key " + d + "/server-ec.key;";
        String rsa = "ssl_certificate " + d + "/server-rsa.pem; ssl_certificate_key " + d + "/server-rsa.key;";
        String conf = String.join("\n",
                "daemon off;",
                "master_process off;",
                "pid /tmp/nginx.pid;",
                "error_log stderr notice;",
                "events { worker_connections 256; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path /tmp/nginx-body; proxy_temp_path /tmp/nginx-proxy;",
                "  fastcgi_temp_path /tmp/nginx-fcgi; uwsgi_temp_path /tmp/nginx-uwsgi;",
                "  scgi_temp_path /tmp/nginx-scgi;",
                "  default_type text/plain;",
                "  ssl_protocols TLSv1.2 TLSv1.3;",
                // TLS 1.2 suites nginx accepts; anything else must fail the handshake.
                "  ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
                        + "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305;",
                "  server {",
                "    listen 127.0.0.1:" + main + " ssl default_server;",
                "    server_name localhost;",
                "    " + ec + " " + rsa,
                "    location / { return 200 \"server=a " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + main + " ssl;",
                "    server_name sni.test;",
                "    ssl_certificate " + d + "/sni.pem; ssl_certificate_key " + d + "/sni.key;",
                "    location / { return 200 \"server=b " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + mtls + " ssl;",
                "    " + ec,
                "    ssl_client_certificate " + d + "/ca.pem;",
                "    ssl_verify_client on;",
                "    location / { return 200 \"client=$ssl_client_verify subject=$ssl_client_s_dn " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + h2 + " ssl http2;",
                "    " + ec,
                "    location / { return 200 \"h2\\n\"; }",
                "  }",
                "}");
        peer = Peers.listening("exec nginx -c /peer/nginx.conf", Interop.pkiFilesAnd("/peer/nginx.conf", conf),
                main, mtls, h2);
        rt = Interop.runtime("nginx-it");
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
    void getOverEachProtocolAndCipherSuite(String protocol, String suite, String opensslName, String keyType) {
        TlsConnector connector = TlsConnector.builder(context(null)).protocols(protocol).cipherSuites(suite).build();
        TlsStream<TcpStream> tls = connect(rt, connector, "localhost", main);
        assertThat(tls.cipherSuite()).isEqualTo(suite);
        X509Certificate presented = tls.peerCertificates().getFirst();
        switch (keyType) {
            case "EC" -> assertThat(presented).isEqualTo(SERVER_EC.certificate());
            case "RSA" -> assertThat(presented).isEqualTo(SERVER_RSA.certificate());
            default -> assertThat(presented).isIn(SERVER_EC.certificate(), SERVER_RSA.certificate());
        }
        String response = httpGet(rt, tls, "localhost", "/");
        assertThat(response).as(response).startsWith("HTTP/1.1 200 OK\r\n")
                .endsWith("\r\n\r\nserver=a protocol=" + protocol + " cipher=" + opensslName
                        + " sni=localhost alpn=\n");
    }

    @Test
    void aSuiteOutsideSslCiphersIsRefused() {
        TlsConnector connector = TlsConnector.builder(context(null)).protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384").build();
        Throwable t = catchThrowable(() -> connect(rt, connector, "localhost", main));
        assertThat(t).as("the suite is not in ssl_ciphers").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("Received fatal alert: handshake_failure");
    }

    @Test
    void serverNameRoutesToTheServerBlockAndItsCertificate() {
        TlsConnector connector = TlsConnector.builder(context(null)).build();
        TlsStream<TcpStream> b = connect(rt, connector, "sni.test", main);
        assertThat(b.peerCertificates()).containsExactly(SNI.certificate());
        assertThat(httpGet(rt, b, "sni.test", "/")).contains("server=b ").contains(" sni=sni.test ");

        TlsStream<TcpStream> a = connect(rt, connector, "localhost", main);
        assertThat(a.peerCertificates().getFirst()).isIn(SERVER_EC.certificate(), SERVER_RSA.certificate());
        assertThat(httpGet(rt, a, "localhost", "/")).contains("server=a ").contains(" sni=localhost ");
    }

    @Test
    void anIpLiteralSendsNoServerNameAndGetsTheDefaultServer() {
        // RFC 6066 forbids IP literals as SNI: nginx sees no name, and the certificate's IP SAN is checked.
        TlsStream<TcpStream> tls = connect(rt, TlsConnector.builder(context(null)).build(), "127.0.0.1", main);
        assertThat(tls.sniHostName()).isEmpty();
        assertThat(httpGet(rt, tls, "127.0.0.1", "/")).contains("server=a ").contains(" sni= ");
    }

    @Test
    void alpnOffersHttp2AndNginxWithoutHttp2PicksHttp11() {
        TlsConnector connector = TlsConnector.builder(context(null)).alpn("h2", "http/1.1").build();
        TlsStream<TcpStream> tls = connect(rt, connector, "localhost", main);
        assertThat(tls.applicationProtocol()).contains("http/1.1");
        assertThat(httpGet(rt, tls, "localhost", "/")).contains(" alpn=http/1.1\n");
    }

    @Test
    void noCommonAlpnProtocolIsRefusedByNginx() {
        TlsConnector connector = TlsConnector.builder(context(null)).alpn("spdy/3.1").build();
        Throwable t = catchThrowable(() -> connect(rt, connector, "localhost", main));
        assertThat(t).as("nginx 1.21.4+ refuses ALPN lists it cannot serve").isNotNull();
        assertThat(t).rootCause().isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("Received fatal alert: no_application_protocol");
    }

    /** With h2 agreed, nginx speaks HTTP/2 at once: its first frame after our preface is SETTINGS. */
    @Test
    void alpnH2IsSelectedAndNginxSpeaksHttp2() throws Exception {
        TlsConnector connector = TlsConnector.builder(context(null)).alpn("h2", "http/1.1").build();
        try (TlsStream<TcpStream> tls = connect(rt, connector, "localhost", h2)) {
            assertThat(tls.applicationProtocol()).contains("h2");
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] emptySettings = {0, 0, 0, 4, 0, 0, 0, 0, 0}; // length 0, type SETTINGS, no flags, stream 0
            ByteBuffer out = ByteBuffer.allocate(preface.length + emptySettings.length).put(preface).put(emptySettings)
                    .flip();
            ByteBuffer frameHeader = ByteBuffer.allocate(9);
            rt.blockOn(Io.writeAll(tls, out).flatMap(v -> Io.flush(tls)).flatMap(v -> Io.readExact(tls, frameHeader)));
            assertThat(frameHeader.get(3)).as("frame type SETTINGS").isEqualTo((byte) 4);
            assertThat(frameHeader.getInt(5) & 0x7fffffff).as("stream 0").isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsVerified(String protocol) {
        TlsConnector connector = TlsConnector.builder(context(CLIENT)).protocols(protocol).build();
        String response = httpGet(rt, connect(rt, connector, "localhost", mtls), "localhost", "/");
        assertThat(response).as(response).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("client=SUCCESS subject=CN=client.test protocol=" + protocol);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
            "TLSv1.2, impostor, The SSL certificate error",
            "TLSv1.3, impostor, The SSL certificate error",
            "TLSv1.2, none, No required SSL certificate was sent",
            "TLSv1.3, none, No required SSL certificate was sent"})
    void aBadOrMissingClientCertificateGets400(String protocol, String certificate, String page) {
        TlsConnector connector = TlsConnector.builder(context(certificate.equals("none") ? null : IMPOSTOR_CLIENT))
                .protocols(protocol).build();
        String response = httpGet(rt, connect(rt, connector, "localhost", mtls), "localhost", "/");
        assertThat(response).as(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains(page)
                .doesNotContain("client=");
    }
}
