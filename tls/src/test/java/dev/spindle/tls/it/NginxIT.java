package dev.spindle.tls.it;

import dev.spindle.io.Io;
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

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.IMPOSTOR_CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.SNI;
import static dev.spindle.tls.it.Interop.assertHandshakeFailedWithAlert;
import static dev.spindle.tls.it.Interop.assertRestrictedSuite;
import static dev.spindle.tls.it.Interop.restrictedConnector;
import static dev.spindle.tls.it.Interop.assertServerCertificate;
import static dev.spindle.tls.it.Interop.connector;
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
 * "400 Bad Request" rather than an alert, which is what the mTLS tests expect. Every test runs on both engines
 * ({@link TlsEngine}), with the differences of BoringSSL asserted: alerts named in its own words
 * ({@link Interop#fatalAlert}), and no restriction of TLS 1.3 cipher suites ({@link Interop#assertRestrictedSuite}).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class NginxIT {
    private static final String VIEW = "protocol=$ssl_protocol cipher=$ssl_cipher sni=$ssl_server_name"
            + " alpn=$ssl_alpn_protocol";

    private static final int MAIN = PeerFixture.freePort();
    private static final int MTLS = PeerFixture.freePort();
    private static final int H2 = PeerFixture.freePort();

    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.server("nginx-it", "exec nginx -c /peer/nginx.conf",
            Interop.pkiFilesAnd("/peer/nginx.conf", nginxConf()), MAIN, MTLS, H2);

    @Parameter
    TlsEngine engine;

    private static String nginxConf() {
        String d = Interop.DIR;
        String ec = "ssl_certificate " + d + "/server-ec.pem; ssl_certificate_key " + d + "/server-ec.key;";
        String rsa = "ssl_certificate " + d + "/server-rsa.pem; ssl_certificate_key " + d + "/server-rsa.key;";
        return String.join("\n",
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
                "    listen 127.0.0.1:" + MAIN + " ssl default_server;",
                "    server_name localhost;",
                "    " + ec + " " + rsa,
                "    location / { return 200 \"server=a " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + MAIN + " ssl;",
                "    server_name sni.test;",
                "    ssl_certificate " + d + "/sni.pem; ssl_certificate_key " + d + "/sni.key;",
                "    location / { return 200 \"server=b " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + MTLS + " ssl;",
                "    " + ec,
                "    ssl_client_certificate " + d + "/ca.pem;",
                "    ssl_verify_client on;",
                "    location / { return 200 \"client=$ssl_client_verify subject=$ssl_client_s_dn " + VIEW + "\\n\"; }",
                "  }",
                "  server {",
                "    listen 127.0.0.1:" + H2 + " ssl http2;",
                "    " + ec,
                "    location / { return 200 \"h2\\n\"; }",
                "  }",
                "}");
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
        TlsConnector connector = restrictedConnector(engine, protocol, suite);
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", MAIN);
        String negotiated = assertRestrictedSuite(engine, tls, protocol, suite);
        assertServerCertificate(tls, keyType);
        String response = PEER.httpGet(tls, "localhost", "/");
        // OpenSSL names TLS 1.3 suites as the RFC does
        String nginxName = protocol.equals("TLSv1.3") ? negotiated : opensslName;
        assertThat(response).as(response).startsWith("HTTP/1.1 200 OK\r\n")
                .endsWith("\r\n\r\nserver=a protocol=" + protocol + " cipher=" + nginxName
                        + " sni=localhost alpn=\n");
    }

    @Test
    void aSuiteOutsideSslCiphersIsRefused() {
        TlsConnector connector = connector(engine).protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384").build();
        // the suite is not in ssl_ciphers
        assertHandshakeFailedWithAlert(catchThrowable(() -> PEER.connect(connector, "localhost", MAIN)), engine,
                "handshake_failure");
    }

    @Test
    void serverNameRoutesToTheServerBlockAndItsCertificate() {
        TlsConnector connector = connector(engine).build();
        TlsStream<TcpStream> b = PEER.connect(connector, "sni.test", MAIN);
        assertThat(b.peerCertificates()).containsExactly(SNI.certificate());
        assertThat(PEER.httpGet(b, "sni.test", "/")).contains("server=b ").contains(" sni=sni.test ");

        TlsStream<TcpStream> a = PEER.connect(connector, "localhost", MAIN);
        assertThat(a.peerCertificates().getFirst()).isIn(SERVER_EC.certificate(), SERVER_RSA.certificate());
        assertThat(PEER.httpGet(a, "localhost", "/")).contains("server=a ").contains(" sni=localhost ");
    }

    @Test
    void anIpLiteralSendsNoServerNameAndGetsTheDefaultServer() {
        // RFC 6066 forbids IP literals as SNI: nginx sees no name, and the certificate's IP SAN is checked.
        TlsStream<TcpStream> tls = PEER.connect(connector(engine).build(), "127.0.0.1", MAIN);
        assertThat(tls.sniHostName()).isEmpty();
        assertThat(PEER.httpGet(tls, "127.0.0.1", "/")).contains("server=a ").contains(" sni= ");
    }

    @Test
    void alpnOffersHttp2AndNginxWithoutHttp2PicksHttp11() {
        TlsConnector connector = connector(engine).alpn("h2", "http/1.1").build();
        TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", MAIN);
        assertThat(tls.applicationProtocol()).contains("http/1.1");
        assertThat(PEER.httpGet(tls, "localhost", "/")).contains(" alpn=http/1.1\n");
    }

    @Test
    void noCommonAlpnProtocolIsRefusedByNginx() {
        TlsConnector connector = connector(engine).alpn("spdy/3.1").build();
        // nginx 1.21.4+ refuses ALPN lists it cannot serve
        assertHandshakeFailedWithAlert(catchThrowable(() -> PEER.connect(connector, "localhost", MAIN)), engine,
                "no_application_protocol");
    }

    /** With h2 agreed, nginx speaks HTTP/2 at once: its first frame after our preface is SETTINGS. */
    @Test
    void alpnH2IsSelectedAndNginxSpeaksHttp2() throws Exception {
        TlsConnector connector = connector(engine).alpn("h2", "http/1.1").build();
        try (TlsStream<TcpStream> tls = PEER.connect(connector, "localhost", H2)) {
            assertThat(tls.applicationProtocol()).contains("h2");
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] emptySettings = {0, 0, 0, 4, 0, 0, 0, 0, 0}; // length 0, type SETTINGS, no flags, stream 0
            ByteBuffer out = ByteBuffer.allocate(preface.length + emptySettings.length).put(preface).put(emptySettings)
                    .flip();
            ByteBuffer frameHeader = ByteBuffer.allocate(9);
            PEER.rt().blockOn(Io.writeAll(tls, out).flatMap(v -> Io.flush(tls)).flatMap(v -> Io.readExact(tls, frameHeader)));
            assertThat(frameHeader.get(3)).as("frame type SETTINGS").isEqualTo((byte) 4);
            assertThat(frameHeader.getInt(5) & 0x7fffffff).as("stream 0").isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aClientCertificateFromTheTrustedCaIsVerified(String protocol) {
        TlsConnector connector = connector(engine, CLIENT).protocols(protocol).build();
        String response = PEER.httpGet(connector, "localhost", MTLS, "/");
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
        TlsConnector connector = connector(engine, certificate.equals("none") ? null : IMPOSTOR_CLIENT)
                .protocols(protocol).build();
        String response = PEER.httpGet(connector, "localhost", MTLS, "/");
        assertThat(response).as(response).startsWith("HTTP/1.1 400 Bad Request\r\n").contains(page)
                .doesNotContain("client=");
    }
}
