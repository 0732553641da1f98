package dev.spindle.examples.net;

import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The HTTP server behind TLS over loopback, on both engines, with JDK {@link SSLSocket} clients: the exact hello
 * bytes over TLS 1.2 and 1.3, keep-alive over one TLS connection, ALPN, and the real main in a child JVM.
 */
@Timeout(value = 60, unit = SECONDS)
class HttpsHelloServerTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @RegisterExtension
    static final TlsServerFixture TLS = new TlsServerFixture("https-test-");

    private static TlsAcceptor acceptor(TlsEngine engine, String protocol) {
        return TLS.acceptor(engine, protocol).alpn(HttpsHelloServer.ALPN).build();
    }

    /** A TLS client offering h2 first, as curl and browsers do. */
    private HttpWire connect(ServerHandle server) throws IOException {
        return new HttpWire(TlsClients.connect(TLS.trust(), server.port(), "h2", "http/1.1"));
    }

    @ParameterizedTest
    @CsvSource({"JDK, TLSv1.3", "JDK, TLSv1.2", "BORINGSSL, TLSv1.3", "BORINGSSL, TLSv1.2"})
    void getIsAnsweredWithExactlyTheHelloBytesAndAlpnSaysHttp11(TlsEngine engine, String protocol) throws Exception {
        try (ServerHandle server = HttpsHelloServer.start(TLS.rt(), ANY_LOOPBACK, acceptor(engine, protocol));
             HttpWire c = connect(server)) {
            SSLSocket tls = (SSLSocket) c.socket;
            assertThat(tls.getSession().getProtocol()).as("the one version enabled").isEqualTo(protocol);
            assertThat(tls.getApplicationProtocol()).as("ALPN: http/1.1 chosen over h2").isEqualTo("http/1.1");
            c.send(HttpWire.get("/hello"));
            byte[] expected = HttpWire.HELLO.getBytes(StandardCharsets.ISO_8859_1);
            assertThat(c.in.readNBytes(expected.length)).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void keepAliveServesManyExchangesOverOneTlsConnectionThenClosesWithCloseNotify(TlsEngine engine) throws Exception {
        try (ServerHandle server = HttpsHelloServer.start(TLS.rt(), ANY_LOOPBACK, acceptor(engine, "TLSv1.3"));
             HttpWire c = connect(server)) {
            for (int i = 0; i < 20; i++) {
                HttpWire.Response r = c.send(HttpWire.get(i % 2 == 0 ? "/hello" : "/")).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("Hello, World!");
                assertThat(r.header("Connection")).isNull();
            }
            // Bodies of several TLS records each way on the same connection; the upload is sent before its echo is
            // read, so it is kept well within what the loopback socket buffers hold.
            byte[] upload = new byte[64_000];
            new Random(5).nextBytes(upload);
            c.send(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + upload.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1)).send(upload);
            assertThat(c.read().body()).isEqualTo(upload);
            int n = 1 << 20;
            byte[] pattern = c.send(HttpWire.get("/bytes/" + n)).read().body();
            assertThat(pattern).hasSize(n);
            for (int i = 0; i < n; i += 4093) {
                assertThat(pattern[i]).as("byte %d", i).isEqualTo(HelloHttpServer.patternByte(i));
            }

            HttpWire.Response last = c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read();
            assertThat(last.header("Connection")).isEqualTo("close");
            // The server's close_notify: a clean end of stream for the TLS client, not a truncation error.
            assertThat(c.in.read()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void aClientWithoutAlpnIsServedAndOneOfferingOnlyH2IsRefused(TlsEngine engine) throws Exception {
        try (ServerHandle server = HttpsHelloServer.start(TLS.rt(), ANY_LOOPBACK, acceptor(engine, "TLSv1.3"))) {
            try (HttpWire plainHandshake = new HttpWire(TlsClients.connect(TLS.trust(), server.port()))) {
                assertThat(((SSLSocket) plainHandshake.socket).getApplicationProtocol()).as("none negotiated").isEmpty();
                assertThat(plainHandshake.send(HttpWire.get("/")).read().text()).isEqualTo("Hello, World!");
            }
            // The JDK engine refuses with no_application_protocol; BoringSSL closes the connection (TlsEngine).
            assertThatThrownBy(() -> TlsClients.connect(TLS.trust(), server.port(), "h2").close())
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void mainServesHttpsFromACertificateDirectoryAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
        TLS.writeCertDir(dir);
        Process p = ChildJvm.java(List.of("--enable-native-access=ALL-UNNAMED"), HttpsHelloServer.class.getName(),
                "--workers", "1", "--cert-dir", dir.toString(), "--protocol", "TLSv1.2").start();
        try {
            int port = ChildJvm.listeningPort(p);
            try (HttpWire c = new HttpWire(TlsClients.connect(TLS.trust(), port, "http/1.1"))) {
                assertThat(((SSLSocket) c.socket).getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(((SSLSocket) c.socket).getApplicationProtocol()).as("ALPN").isEqualTo("http/1.1");
                assertThat(c.send(HttpWire.get("/hello")).read().text()).isEqualTo("Hello, World!");
            }
            ChildJvm.assertStopsCleanlyOnSigterm(p);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
