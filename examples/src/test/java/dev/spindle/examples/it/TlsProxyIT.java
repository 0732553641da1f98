package dev.spindle.examples.it;

import dev.spindle.examples.net.HelloHttpServer;
import dev.spindle.examples.net.TlsTerminatingProxy;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
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

import static dev.spindle.examples.it.PeerTlsFixture.CA_FILE;
import static dev.spindle.examples.it.PeerTlsFixture.curl;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS-terminating proxy between real peers, on each engine: {@code openssl s_client} in front, socat behind
 * (a few MiB there and back, checked by sha256, with both ends of stream crossing the proxy); and curl in front
 * of the plain HTTP hello server, with keep-alive through the proxy.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TlsEngine.class)
@Timeout(value = 2, unit = MINUTES)
@Tag("integration")
class TlsProxyIT {
    @RegisterExtension
    static final PeerTlsFixture TLS = new PeerTlsFixture("tls-proxy-it-");

    @Parameter
    TlsEngine engine;

    private ServerHandle proxyTo(int upstreamPort) throws IOException {
        TlsAcceptor acceptor = TLS.acceptor().engine(engine).build();
        return TlsTerminatingProxy.start(TLS.rt(), new InetSocketAddress("127.0.0.1", 0), acceptor,
                new InetSocketAddress("127.0.0.1", upstreamPort));
    }

    /**
     * The upstream is socat running {@code head -c SIZE} per connection: {@code cat} for exactly SIZE bytes, then
     * EOF. s_client's {@code -quiet} never ends the session at the end of its input (and without it, s_client
     * would close before reading the echo), so the end comes from the upstream: its EOF crosses the proxy as our
     * close_notify, at which s_client exits.
     */
    @Test
    void opensslClientThroughTheProxyToSocat() throws Exception {
        int size = 4 << 20;
        int upstreamPort = Peers.freePort();
        try (var upstream = Peers.listening("exec socat TCP-LISTEN:" + upstreamPort
                + ",bind=127.0.0.1,reuseaddr,fork 'EXEC:head -c " + size + "'", upstreamPort);
             ServerHandle proxy = proxyTo(upstreamPort)) {
            String out = TLS.run(String.join("\n",
                    "head -c " + size + " /dev/urandom > /data/in",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    "openssl s_client -connect 127.0.0.1:" + proxy.port() + " -CAfile " + CA_FILE
                            + " -verify_return_error -verify_hostname localhost -quiet < /data/in > /data/out",
                    "echo EXIT $?",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"));
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Integer.toString(size));
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
            assertThat(upstream.isRunning()).as("socat upstream still serving").isTrue();
        }
    }

    @Test
    void curlThroughTheProxyToTheHttpServerKeepsItsConnection() throws Exception {
        try (ServerHandle http = HelloHttpServer.start(TLS.rt(), new InetSocketAddress("127.0.0.1", 0));
             ServerHandle proxy = proxyTo(http.port())) {
            String base = "https://localhost:" + proxy.port();
            String out = TLS.run(curl(proxy.port(), "-v --http1.1") + " " + base + "/hello " + base + "/ " + base
                    + "/hello 2>&1; status=$?; echo; echo EXIT $status");
            assertThat(out).as(out).contains("SSL certificate verify ok.");
            // curl's own exit status, kept before the echo that ends the body's line (echo's is always 0).
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(out.split("Hello, World!", -1)).as("three bodies: " + out).hasSize(4);
            assertThat(out.split("Re-using existing connection", -1)).as(out).hasSize(3);
            assertThat(out.split("Connected to localhost", -1)).as("one TCP connection: " + out).hasSize(2);
        }
    }
}
