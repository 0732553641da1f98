package dev.spindle.tls.it;

import dev.spindle.testing.peers.Output;
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

import javax.net.ssl.SSLHandshakeException;

import static dev.spindle.tls.it.Interop.CLIENT;
import static dev.spindle.tls.it.Interop.SERVER_EC;
import static dev.spindle.tls.it.Interop.SERVER_RSA;
import static dev.spindle.tls.it.Interop.acceptor;
import static dev.spindle.tls.it.Interop.messages;
import static dev.spindle.tls.it.Interop.noClientCertificate;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * curl (7.88, OpenSSL 3.0) against a Spindle HTTPS server ({@link SpindleTlsServer#http()}), the way most
 * software will meet a Spindle TLS server. The response body is the server's view of the session; curl's
 * {@code -v} output is its own ("SSL connection using TLSv1.3 / TLS_AES_128_GCM_SHA256", "ALPN: server
 * accepted http/1.1"); the tests compare the two. Covered: TLS 1.2 and 1.3 suites with ECDSA and RSA
 * certificates verified by curl against our CA and the host name, ALPN (curl offers h2 and http/1.1, we select
 * http/1.1), SNI, client certificates required by us, and a 4 MiB download checked by sha256. Every test runs on
 * both engines ({@link TlsEngine}); a missing client certificate is reported in each engine's words.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 60, unit = SECONDS)
@Tag("integration")
class CurlTlsIT {
    @RegisterExtension
    static final PeerFixture PEER = PeerFixture.clients("curl-tls-it");

    @Parameter
    TlsEngine engine;

    /** curl for https://localhost:port/path, with localhost pinned to 127.0.0.1 (not ::1, where nobody listens). */
    private static String curl(int port, String options, String path) {
        return "curl -sS -v --cacert /peer/ca.pem --resolve localhost:" + port + ":127.0.0.1 " + options
                + " https://localhost:" + port + path + " 2>&1; echo EXIT $?";
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "TLSv1.3, TLS_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, EC",
            "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, TLS_CHACHA20_POLY1305_SHA256, RSA",
            "TLSv1.2, ECDHE-ECDSA-AES256-GCM-SHA384, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, EC",
            "TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, RSA"})
    void getOverEachProtocolAndCipherSuite(String protocol, String opensslName, String jdkName, String keyType)
            throws Exception {
        TlsAcceptor acceptor = acceptor(engine, keyType.equals("EC") ? SERVER_EC : SERVER_RSA)
                .alpn("http/1.1").build();
        String options = protocol.equals("TLSv1.3") ? "--tlsv1.3 --tls13-ciphers " + opensslName
                : "--tlsv1.2 --tls-max 1.2 --ciphers " + opensslName;
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.http())) {
            String out = PEER.runPeer(curl(server.port(), options, "/"));
            String view = "protocol=" + protocol + " cipher=" + jdkName + " sni=localhost alpn=http/1.1 client=none";
            assertThat(out).as(out)
                    .contains("* SSL connection using " + protocol + " / " + opensslName)
                    .contains("* ALPN: offers h2,http/1.1")
                    .contains("* ALPN: server accepted http/1.1")
                    .contains("SSL certificate verify ok.")
                    .contains("< HTTP/1.1 200 OK")
                    .contains("\n" + view + "\n")
                    .contains("EXIT 0");
            Report r = server.next().assertOk();
            assertThat(r.receivedText()).startsWith("GET / HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\n");
        }
    }

    @Test
    void aClientCertificateIsAcceptedAndAMissingOneRefused() throws Exception {
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).clientAuth(ClientAuth.NEED).build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.http())) {
            String out = PEER.runPeer(curl(server.port(), "--cert /peer/client.pem --key /peer/client.key", "/"));
            assertThat(out).as(out).contains("client=CN=client.test\n").contains("EXIT 0");
            // curl (OpenSSL) sends the chain it builds from --cacert: our CA's certificate follows the client's.
            assertThat(server.next().assertOk().peerCertificates().getFirst()).isEqualTo(CLIENT.certificate());

            String refused = PEER.runPeer(curl(server.port(), "", "/"));
            assertThat(refused).as(refused).contains("alert certificate required").doesNotContain("EXIT 0");
            Report r = server.next();
            assertThat(r.failure()).as("the handshake must fail").isNotNull();
            assertThat(messages(r.failure())).contains(SSLHandshakeException.class.getName())
                    .contains(noClientCertificate(engine));
        }
    }

    @Test
    void downloadsFourMebibytesIntact() throws Exception {
        int size = 4 << 20;
        TlsAcceptor acceptor = acceptor(engine, SERVER_EC).alpn("http/1.1").build();
        try (SpindleTlsServer server = PEER.serve(acceptor, SpindleTlsServer.http())) {
            String url = "https://localhost:" + server.port() + "/bytes/" + size;
            String out = PEER.runPeer(String.join("\n",
                    "curl -sS --fail --cacert /peer/ca.pem --resolve localhost:" + server.port() + ":127.0.0.1"
                            + " -o /data/out -w 'STATUS %{http_code}\\n' " + url,
                    "echo SHA $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"));
            assertThat(Output.value(out, "STATUS")).as(out).isEqualTo("200");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Integer.toString(size));
            assertThat(Output.value(out, "SHA")).as(out)
                    .isEqualTo(Payload.sha256(Payload.bytes(SpindleTlsServer.PAYLOAD_SEED, size)));
            server.next().assertOk();
        }
    }
}
