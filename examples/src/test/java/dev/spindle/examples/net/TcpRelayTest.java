package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.ServerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The relay over loopback: bulk data both ways through it, half-closes passed each way, a dead upstream. */
@Timeout(value = 60, unit = SECONDS)
class TcpRelayTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("relay-test-").build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void relaysAFewMebibytesEachWayToAnEchoServer() throws Exception {
        try (ServerHandle echo = EchoServer.start(rt, ANY_LOOPBACK);
             ServerHandle relay = TcpRelay.start(rt, ANY_LOOPBACK, echo.localAddress())) {
            // The client half-closes after writing; it reads EOF only if that half-close crossed the relay to
            // the echo server and the echo server's half-close came back across it.
            assertThat(EchoClient.echoChecked(relay.port(), 6 * 1024 * 1024, 17)).isNull();
            assertThat(EchoClient.echoChecked(relay.port(), 1, 18)).as("and the next client").isNull();
        }
    }

    @Test
    void halfClosesTravelEachWayIndependently() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress());
             ServerHandle relay = TcpRelay.start(rt, ANY_LOOPBACK, Upstreams.addressOf(upstream))) {
            CompletableFuture<String> upstreamHeard = Upstreams.speaksFirst(upstream, "from upstream");
            try (Socket client = new Socket("127.0.0.1", relay.port())) {
                client.setSoTimeout(20_000);
                // EOF arrives while the client's own direction is still open.
                assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("from upstream");
                client.getOutputStream().write("from client".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                assertThat(upstreamHeard.get(20, TimeUnit.SECONDS)).isEqualTo("from client");
            }
        }
    }

    @Test
    void anUnreachableUpstreamClosesTheClient() throws Exception {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress())) {
            dead = Upstreams.addressOf(s); // closed again: connects are refused
        }
        try (ServerHandle relay = TcpRelay.start(rt, ANY_LOOPBACK, dead);
             Socket client = new Socket("127.0.0.1", relay.port())) {
            client.setSoTimeout(20_000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }
}
