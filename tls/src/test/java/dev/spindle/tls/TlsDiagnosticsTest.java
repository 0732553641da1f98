package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.TaskInfo;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.BusyReader;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.acceptor;
import static dev.spindle.tls.TlsTestSupport.closeQuietly;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static dev.spindle.tls.TlsTestSupport.connector;
import static dev.spindle.tls.TlsTestSupport.expected;
import static dev.spindle.tls.TlsTestSupport.readDigest;
import static dev.spindle.tls.TlsTestSupport.writeData;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the busy-loop detector and task dumps see of TLS over TCP: a bulk transfer makes progress on every poll and
 * is never reported; a caller that keeps polling the stream after its end is; a waiting task says what it waits on,
 * in the handshake and after it.
 */
@Timeout(value = 120, unit = SECONDS)
class TlsDiagnosticsTest {
    /** The issue asks for 100 MiB; with the JDK engine it takes a few seconds on loopback. */
    private static final long BULK = 100L << 20;
    private static final TlsAcceptor ACCEPTOR = acceptor(TlsEngine.JDK, "TLSv1.3");
    private static final TlsConnector CONNECTOR = connector(TlsEngine.JDK, "TLSv1.3");

    private final DiagnosticReports reports = new DiagnosticReports();
    private SpindleRuntime rt;
    private TcpListener listener;

    @BeforeEach
    void start() throws IOException {
        rt = SpindleRuntime.builder().name("tls-diagnostics").workers(2).threadNamePrefix("tls-diagnostics-worker-")
                .onDiagnostic(reports).build();
        listener = TcpListener.bind(ANY_LOOPBACK);
    }

    @AfterEach
    void stop() {
        closeQuietly(listener);
        rt.close();
    }

    @Test
    void aBulkTransferIsNeverReported() throws Exception {
        JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(listener, ACCEPTOR));
        TlsStream<TcpStream> client = rt.blockOn(connectTls(listener.localAddress().getPort(), CONNECTOR));
        TlsStream<TcpStream> server = accepted.join(Duration.ofSeconds(10));
        try {
            JoinHandle<TlsTestSupport.Digest> sent = rt.spawn(writeData(server, 7, BULK, 64 * 1024)
                    .flatMap(d -> Io.shutdown(server).map(v -> d)));
            JoinHandle<TlsTestSupport.Digest> received = rt.spawn(readDigest(client, -1));
            assertThat(received.join(Duration.ofSeconds(90))).isEqualTo(expected(7, BULK));
            assertThat(sent.join(Duration.ofSeconds(10))).isEqualTo(expected(7, BULK));
            assertThat(reports.busyLoopsAndLostWakeups()).isEmpty();
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    @Test
    void pollingTheStreamAgainAndAgainAfterItsEndIsABusyLoop() throws Exception {
        JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(listener, ACCEPTOR));
        TlsStream<TcpStream> client = rt.blockOn(connectTls(listener.localAddress().getPort(), CONNECTOR));
        TlsStream<TcpStream> server = accepted.join(Duration.ofSeconds(10));
        try {
            rt.blockOn(Io.shutdown(client)); // close_notify
            JoinHandle<Void> spinning = rt.spawn(new BusyReader(server)); // treats -1 as "try again later"
            BusyLoop report = reports.awaitOrFail(BusyLoop.class, Duration.ofSeconds(5));
            assertThat(report.task().id()).isEqualTo(spinning.id());
            spinning.abort();
            assertThatThrownBy(() -> spinning.join(Duration.ofSeconds(5))).isInstanceOf(TaskCancelledException.class);
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    @Test
    void aWaitingTaskSaysWhatItWaitsOn() throws Exception {
        int port = listener.localAddress().getPort();
        // A client that connects and says nothing: the server's handshake waits for its ClientHello.
        JoinHandle<TcpStream> tcpAccepted = rt.spawn(listener.accept());
        TcpStream silent = rt.blockOn(TcpStream.connect(listener.localAddress()));
        TcpStream serverTcp = tcpAccepted.join(Duration.ofSeconds(10));
        JoinHandle<TlsStream<TcpStream>> handshake = rt.spawn(ACCEPTOR.accept(serverTcp));
        int silentPort = silent.localAddress().getPort();
        assertThat(awaitWaitingOn(handshake.id())).isEqualTo("TlsStream over TcpStream 127.0.0.1:" + port
                + " -> 127.0.0.1:" + silentPort + ": handshake (unwrap)");
        assertThat(rt.dump().task(handshake.id()).orElseThrow().typeChain())
                .isEqualTo("WithTimeout<Handshake<TlsStream<TcpStream>>>");
        handshake.abort(); // its release hook closes the socket
        assertThatThrownBy(() -> handshake.join(Duration.ofSeconds(5))).isInstanceOf(TaskCancelledException.class);
        assertThat(serverTcp.isClosed()).isTrue();
        silent.close();

        JoinHandle<TlsStream<TcpStream>> second = rt.spawn(acceptTls(listener, ACCEPTOR));
        TlsStream<TcpStream> client = rt.blockOn(connectTls(port, CONNECTOR));
        TlsStream<TcpStream> server = second.join(Duration.ofSeconds(10));
        try {
            JoinHandle<byte[]> reading = rt.spawn(Io.readToEnd(server, 1024));
            int clientPort = client.transport().localAddress().getPort();
            assertThat(awaitWaitingOn(reading.id())).isEqualTo("TlsStream over TcpStream 127.0.0.1:" + port
                    + " -> 127.0.0.1:" + clientPort + ": readable");
            assertThat(rt.dump().task(reading.id()).orElseThrow().typeChain())
                    .endsWith("<TlsStream<TcpStream>>");
            rt.blockOn(Io.shutdown(client));
            assertThat(reading.join(Duration.ofSeconds(5))).isEmpty();
            assertThat(reports.busyLoopsAndLostWakeups()).isEmpty();
        } finally {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** What task {@code id} waits on, once a dump shows it idle (bounded). */
    private String awaitWaitingOn(long id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String last = null;
        while (System.nanoTime() < deadline) {
            Optional<TaskInfo> t = rt.dump().task(id);
            if (t.isPresent() && t.get().state() == TaskInfo.State.IDLE && t.get().waitingOn() != null) {
                last = t.get().waitingOn();
                if (!last.endsWith(": accept")) { // the accept before the handshake is not what is asked
                    return last;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("task #" + id + " never showed what it waits on (last: " + last + "): " + rt.dump());
    }
}
