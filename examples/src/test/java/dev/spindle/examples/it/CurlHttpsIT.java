package dev.spindle.examples.it;

import dev.spindle.examples.net.HttpsHelloServer;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.testing.peers.Output;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.InetSocketAddress;

import static dev.spindle.examples.it.PeerTlsFixture.curl;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * curl (OpenSSL) as the client of the HTTPS hello server, on each engine: curl verifies our self-signed
 * certificate against a copy of it ({@code --cacert}) and the host name, offers h2 and http/1.1 and is told
 * http/1.1, and reuses one TLS connection for several requests; a TLS 1.2 download is checked by sha256.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 2, unit = MINUTES)
@Tag("integration")
class CurlHttpsIT {
    @RegisterExtension
    static final PeerTlsFixture TLS = new PeerTlsFixture("curl-https-it-");

    @Parameter
    TlsEngine engine;

    private ServerHandle server(String protocol) throws IOException {
        TlsAcceptor acceptor = TLS.acceptor().engine(engine).protocols(protocol).alpn(HttpsHelloServer.ALPN).build();
        return HttpsHelloServer.start(TLS.rt(), new InetSocketAddress("127.0.0.1", 0), acceptor);
    }

    @Test
    void keepAliveReusesOneTlsConnectionAndAlpnSaysHttp11() throws Exception {
        try (ServerHandle server = server("TLSv1.3")) {
            String base = "https://localhost:" + server.port();
            String out = TLS.run(curl(server.port(), "-v") + " " + base + "/hello " + base + "/ " + base + "/hello"
                    + " 2>&1; status=$?; echo; echo EXIT $status");
            assertThat(out).as(out)
                    .contains("SSL certificate verify ok.")
                    .contains("* SSL connection using TLSv1.3")
                    .contains("* ALPN: offers h2,http/1.1")
                    .contains("* ALPN: server accepted http/1.1");
            // curl's own exit status, kept before the echo that ends the body's line (echo's is always 0).
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(out.split("Hello, World!", -1)).as("three bodies: " + out).hasSize(4);
            assertThat(out.split("< HTTP/1.1 200 OK", -1)).as("three 200s: " + out).hasSize(4);
            // curl says so when it sends the second and third requests on the first connection.
            assertThat(out.split("Re-using existing connection", -1)).as(out).hasSize(3);
            assertThat(out.split("Connected to localhost", -1)).as("one TCP connection: " + out).hasSize(2);
        }
    }

    @Test
    void aTls12DownloadArrivesIntact() throws Exception {
        long size = 4 << 20;
        try (ServerHandle server = server("TLSv1.2")) {
            String out = TLS.run(String.join("; ",
                    "set -e",
                    curl(server.port(), "--fail --tlsv1.2 --tls-max 1.2 -o /data/out -w 'STATUS %{http_code}\\n'")
                            + " https://localhost:" + server.port() + "/bytes/" + size,
                    "echo SHA $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"));
            assertThat(Output.value(out, "STATUS")).as(out).isEqualTo("200");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Long.toString(size));
            assertThat(Output.value(out, "SHA")).as(out).isEqualTo(CurlHttpIT.expectedPatternSha256(size));
        }
    }
}
