package dev.spindle.examples.net;

import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.io.testkit.EnginePeer;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.tls.TlsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS-terminating proxy over loopback, on both engines: bulk data through it to an echo upstream,
 * half-closes each way, a dead upstream, the real main in a child JVM, and the incident it is built against
 * (close_notify with data buffered, then more records and garbage on a TCP connection kept open).
 */
@Timeout(value = 60, unit = SECONDS)
class TlsTerminatingProxyTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final String WORKER_PREFIX = "tls-proxy-test-";

    @RegisterExtension
    static final TlsServerFixture TLS = new TlsServerFixture(WORKER_PREFIX);

    /** The proxy on {@code engine}, with only {@code protocol} enabled, in front of {@code upstream}. */
    private static ServerHandle startProxy(TlsEngine engine, String protocol, InetSocketAddress upstream)
            throws IOException {
        return TlsTerminatingProxy.start(TLS.rt(), ANY_LOOPBACK, TLS.acceptor(engine, protocol).build(), upstream);
    }

    private SSLSocket client(ServerHandle proxy) throws IOException {
        return TlsClients.connect(TLS.trust(), proxy.port());
    }

    /**
     * HALF_CLOSE (the client's close_notify after its last byte must reach the echo server as EOF, and the echo
     * server's EOF come back as our close_notify) where the engine keeps the other direction open after
     * close_notify: the JDK's in TLS 1.3. Elsewhere the client reads the whole echo, then closes.
     */
    @ParameterizedTest
    @CsvSource({"JDK, TLSv1.3, HALF_CLOSE", "JDK, TLSv1.2, READ_ALL", "BORINGSSL, TLSv1.3, READ_ALL",
            "BORINGSSL, TLSv1.2, READ_ALL"})
    void relaysEightMebibytesEachWayToAnEchoUpstream(TlsEngine engine, String protocol, EchoClient.Ending ending)
            throws Exception {
        try (ServerHandle echo = EchoServer.start(TLS.rt(), ANY_LOOPBACK);
             ServerHandle proxy = startProxy(engine, protocol, echo.localAddress())) {
            assertThat(EchoClient.echoChecked(client(proxy), 8 << 20, 23, ending)).isNull();
            assertThat(EchoClient.echoChecked(client(proxy), 1, 24, ending)).as("and the next client").isNull();
        }
    }

    /**
     * The upstream ends first: its EOF reaches the client as close_notify, and the client's direction stays open
     * until the client's own close_notify, which reaches the upstream as EOF. On both engines: a server that has
     * sent close_notify goes on reading.
     */
    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void theUpstreamsHalfCloseReachesTheClientAndTheClientsDirectionStaysOpen(TlsEngine engine) throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress());
             ServerHandle proxy = startProxy(engine, "TLSv1.3", Upstreams.addressOf(upstream));
             SSLSocket client = client(proxy)) {
            CompletableFuture<String> upstreamHeard = Upstreams.speaksFirst(upstream, "from upstream");
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .as("the upstream's bytes, then its EOF as close_notify").isEqualTo("from upstream");
            client.getOutputStream().write("from client".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertThat(upstreamHeard.get(20, TimeUnit.SECONDS)).isEqualTo("from client");
        }
    }

    /**
     * The client ends first: its close_notify reaches the upstream as EOF after its bytes. What the upstream
     * answers reaches the client with the JDK engine in TLS 1.3; BoringSSL closes both directions at the
     * client's close_notify (TlsEngine), so there the answer cannot be sent and the client's connection ends.
     */
    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void theClientsCloseNotifyReachesTheUpstreamAsEof(TlsEngine engine) throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress());
             ServerHandle proxy = startProxy(engine, "TLSv1.3", Upstreams.addressOf(upstream));
             SSLSocket client = client(proxy)) {
            CompletableFuture<String> upstreamHeard = Upstreams.answersAfterEof(upstream, "answer");
            client.getOutputStream().write("from client".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertThat(upstreamHeard.get(20, TimeUnit.SECONDS)).isEqualTo("from client");
            switch (engine) {
                case JDK -> assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("answer");
                case BORINGSSL -> assertThat(TlsClients.endOf(client)).isEqualTo(-1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    void anUpstreamThatRefusesEndsTheClientsConnection(TlsEngine engine) throws Exception {
        InetSocketAddress dead;
        try (ServerSocket s = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress())) {
            dead = Upstreams.addressOf(s); // closed again: connects are refused
        }
        try (ServerHandle proxy = startProxy(engine, "TLSv1.3", dead);
             SSLSocket client = client(proxy)) {
            assertThat(TlsClients.endOf(client)).isEqualTo(-1);
        }
    }

    /**
     * The incident: a client sends data, close_notify, then replayed ciphertext and garbage, and keeps its TCP
     * connection open, sending more of both every half second. The upstream must receive exactly the data, then
     * EOF; afterwards the proxy's workers must stay idle (a TLS stream that woke its task after close_notify
     * would make the relay poll in a loop), while the connection stays up for the upstream's direction.
     */
    @ParameterizedTest
    @CsvSource({"JDK, TLSv1.3", "JDK, TLSv1.2", "BORINGSSL, TLSv1.3", "BORINGSSL, TLSv1.2"})
    void closeNotifyWithDataBufferedThenMoreRecordsAndGarbageCostsNoCpu(TlsEngine engine, String protocol)
            throws Exception {
        try (ServerSocket upstreamListener = new ServerSocket(0, 1, ANY_LOOPBACK.getAddress());
             ServerHandle proxy = startProxy(engine, protocol, Upstreams.addressOf(upstreamListener));
             EnginePeer client = EnginePeer.connect(TLS.trust(), proxy.port());
             Socket upstream = upstreamListener.accept()) {
            byte[] data = new byte[40_000];
            new Random(31).nextBytes(data);
            byte[] records = client.wrap(data);
            byte[] closeNotify = client.closeNotify();
            // Records after close_notify: the engine makes none after closeOutbound, and one wrapped earlier would
            // carry an earlier sequence number; a replay of valid ciphertext serves.
            byte[] replayed = Arrays.copyOf(records, 2000);
            byte[] garbage = new byte[3000];
            new Random(32).nextBytes(garbage);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(records);
            wire.writeBytes(closeNotify);
            wire.writeBytes(replayed);
            wire.writeBytes(garbage);
            client.send(wire.toByteArray()); // in one write: close_notify arrives with data still buffered

            upstream.setSoTimeout(10_000);
            assertThat(upstream.getInputStream().readAllBytes()).as("exactly the data before close_notify, then EOF")
                    .isEqualTo(data);

            Thread.sleep(100); // let the relay settle after the half-close
            long polls0 = TLS.rt().metrics().totalPolls();
            long cpu0 = WorkerThreads.cpuNanos(WORKER_PREFIX);
            for (int i = 0; i < 4; i++) {
                Thread.sleep(500);
                client.send(replayed); // more records after close_notify...
                client.send(garbage);  // ...and garbage, over a TCP connection that stays open
            }
            long cpu = WorkerThreads.cpuNanos(WORKER_PREFIX) - cpu0;
            long polls = TLS.rt().metrics().totalPolls() - polls0;
            System.out.printf("%s %s: worker CPU %.2f ms, %d polls over 2 s after close_notify%n",
                    engine, protocol, cpu / 1e6, polls);
            assertThat(Duration.ofNanos(cpu)).as("worker CPU over 2 s after close_notify")
                    .isLessThan(Duration.ofMillis(50));
            assertThat(polls).as("polls over 2 s after close_notify").isLessThanOrEqualTo(1);
            assertThat(TLS.rt().metrics().alive()).as("the accept loop and the connection, still open upstream-wards")
                    .isEqualTo(2);

            upstream.shutdownOutput(); // the upstream's direction ends too: the proxy ends the connection
            assertThat(endsWithin(client.socket, Duration.ofSeconds(10))).isTrue();
        }
    }

    /** Whether {@code socket}'s input ends (EOF or a reset, after whatever is still in flight) within {@code limit}. */
    private static boolean endsWithin(Socket socket, Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        InputStream in = socket.getInputStream();
        byte[] discard = new byte[16 * 1024];
        try {
            while (in.read(discard) >= 0) {
                // what the proxy sent before it closed (TLS 1.3 session tickets, an alert): not looked at
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true; // the proxy closed with our garbage unread: the kernel answers with a reset
        }
    }

    @Test
    void mainRelaysTlsToThePlainUpstreamOnBoringSslWithoutWarnings(@TempDir Path dir) throws Exception {
        TlsServerFixture.assumeAvailable(TlsEngine.BORINGSSL);
        TLS.writeCertDir(dir);
        try (ServerHandle echo = EchoServer.start(TLS.rt(), ANY_LOOPBACK)) {
            Process p = ChildJvm.java(List.of("--enable-native-access=ALL-UNNAMED"),
                    TlsTerminatingProxy.class.getName(), "--workers", "1", "--cert-dir", dir.toString(),
                    "--engine", "boringssl", "--upstream", "127.0.0.1:" + echo.port()).start();
            try {
                int port = ChildJvm.listeningPort(p);
                assertThat(EchoClient.echoChecked(TlsClients.connect(TLS.trust(), port), 100_000, 29,
                        EchoClient.Ending.READ_ALL)).isNull();
                ChildJvm.assertStopsCleanlyOnSigterm(p);
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
