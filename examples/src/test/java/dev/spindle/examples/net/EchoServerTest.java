package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.io.testkit.Ports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The echo server over loopback with blocking clients that write and read at the same time. */
@Timeout(value = 60, unit = SECONDS)
class EchoServerTest {
    private SpindleRuntime rt;
    private ServerHandle server;

    @BeforeEach
    void start() throws IOException {
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("echo-test-").build();
        server = EchoServer.start(rt, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        try {
            server.close();
        } finally {
            rt.close();
        }
    }

    @Test
    void echoesConcurrentClientsByteForByteAndHalfClosesEach() throws Exception {
        assertThat(EchoClient.concurrently(6,
                c -> EchoClient.echoChecked(server.port(), 3 * 1024 * 1024 + c * 1001, c))).isEmpty();
    }

    @Test
    void aLargeTransferBothWaysAtOnceDoesNotDeadlock() throws Exception {
        // Far more than the socket buffers on the path hold: only a server that keeps going while the client
        // both writes and reads finishes this.
        assertThat(EchoClient.echoChecked(server.port(), 48 * 1024 * 1024, 99)).isNull();
    }

    @Test
    void aClientThatResetsItsConnectionDoesNotDisturbTheOthers() throws Exception {
        try (Socket rude = new Socket("127.0.0.1", server.port())) {
            rude.getOutputStream().write(new byte[100_000]);
            rude.setSoLinger(true, 0); // close() sends RST
        }
        assertThat(EchoClient.echoChecked(server.port(), 1024 * 1024, 5)).isNull();
    }

    @Test
    void closingTheHandleStopsAcceptingButLiveConnectionsGoOn() throws Exception {
        try (Socket live = new Socket("127.0.0.1", server.port())) {
            live.setSoTimeout(10_000);
            live.getOutputStream().write("before".getBytes());
            assertThat(live.getInputStream().readNBytes(6)).isEqualTo("before".getBytes());
            server.close();
            server.close(); // idempotent
            assertThat(server.acceptLoop().join(Duration.ofSeconds(10))).isNull();
            // NIO releases a closed listener's descriptor when the reactor deregisters it, just after close()
            // (which wakes the reactor for that): connections are refused from then on.
            Ports.awaitRefused(server.port(), Duration.ofSeconds(2));
            live.getOutputStream().write("after".getBytes());
            assertThat(live.getInputStream().readNBytes(5)).isEqualTo("after".getBytes());
        }
    }
}
