package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.TaskInfo;
import dev.spindle.io.Io;
import dev.spindle.io.Split;
import dev.spindle.io.testkit.BusyReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the busy-loop detector and task dumps see of TCP: a saturated connection makes progress on every poll and is
 * never reported; a caller that keeps polling a stream at its end learns nothing new and is; a waiting task names
 * its socket and direction.
 */
@Timeout(value = 60, unit = SECONDS)
class TcpDiagnosticsTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final DiagnosticReports reports = new DiagnosticReports();
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = SpindleRuntime.builder().name("tcp-diagnostics").workers(2).threadNamePrefix("tcp-diagnostics-worker-")
                .onDiagnostic(reports).build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void aSaturatedEchoForASecondIsNeverReported() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            TcpStream client = rt.blockOn(TcpStream.connect(l.localAddress()));
            TcpStream server = accepted.join(Duration.ofSeconds(10));
            JoinHandle<Long> echo = rt.spawn(Io.copy(server, server).flatMap(n -> Io.shutdown(server).map(v -> n)));
            Split.Halves<TcpStream> halves = client.split();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            JoinHandle<Long> writer = rt.spawn(new Future<Long>() {
                private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024).flip();
                private long written;

                @Override
                public Poll<Long> poll(Context cx) {
                    try {
                        for (;;) {
                            if (!chunk.hasRemaining()) {
                                if (System.nanoTime() >= until) {
                                    return halves.writer().pollShutdown(cx).isPending()
                                            ? Poll.pending() : Poll.ready(written);
                                }
                                chunk.clear();
                            }
                            Poll<Integer> p = halves.writer().pollWrite(cx, chunk);
                            if (p.isPending()) {
                                return Poll.pending();
                            }
                            written += p.value();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            JoinHandle<Long> reader = rt.spawn(new Future<Long>() {
                private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                private long read;

                @Override
                public Poll<Long> poll(Context cx) {
                    try {
                        for (;;) {
                            buf.clear();
                            Poll<Integer> p = halves.reader().pollRead(cx, buf);
                            if (p.isPending()) {
                                return Poll.pending();
                            }
                            if (p.value() < 0) {
                                return Poll.ready(read);
                            }
                            read += p.value();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            long sent = writer.join(Duration.ofSeconds(20));
            assertThat(reader.join(Duration.ofSeconds(20))).isEqualTo(sent);
            assertThat(echo.join(Duration.ofSeconds(20))).isEqualTo(sent);
            assertThat(sent).as("a saturated second moves a lot").isGreaterThan(16L << 20);
            assertThat(reports.busyLoopsAndLostWakeups()).isEmpty();
            client.close();
            server.close();
        }
    }

    @Test
    void pollingAStreamAgainAndAgainAtItsEndIsABusyLoop() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            TcpStream client = rt.blockOn(TcpStream.connect(l.localAddress()));
            TcpStream server = accepted.join(Duration.ofSeconds(10));
            client.shutdownOutput();
            JoinHandle<Void> spinning = rt.spawn(new BusyReader(server)); // treats -1 as "try again later"
            BusyLoop report = reports.awaitOrFail(BusyLoop.class, Duration.ofSeconds(5));
            assertThat(report.task().id()).isEqualTo(spinning.id());
            assertThat(report.task().spawnSite()).contains(TcpDiagnosticsTest.class.getName());
            spinning.abort();
            assertThatThrownBy(() -> spinning.join(Duration.ofSeconds(5))).isInstanceOf(TaskCancelledException.class);
            client.close();
            server.close();
        }
    }

    @Test
    void aWaitingTaskNamesItsSocketAndDirection() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TcpStream> acceptor = rt.spawn(l.accept());
            int port = l.localAddress().getPort();
            assertThat(awaitWaitingOn(acceptor.id())).isEqualTo("TcpListener 127.0.0.1:" + port + ": accept");

            TcpStream client = rt.blockOn(TcpStream.connect(l.localAddress()));
            TcpStream server = acceptor.join(Duration.ofSeconds(10));
            int clientPort = client.localAddress().getPort();
            JoinHandle<Long> copy = rt.spawn(Io.copy(server, server));
            assertThat(awaitWaitingOn(copy.id()))
                    .isEqualTo("TcpStream 127.0.0.1:" + port + " -> 127.0.0.1:" + clientPort + ": readable");
            TaskInfo info = rt.dump().task(copy.id()).orElseThrow();
            assertThat(info.typeChain()).isEqualTo("Copy<TcpStream, TcpStream>");
            assertThat(reports.busyLoopsAndLostWakeups()).isEmpty();
            client.close();
            assertThat(copy.join(Duration.ofSeconds(5))).as("the client's end ends the copy").isZero();
            server.close();
        }
    }

    /** What task {@code id} waits on, once a dump shows it waiting (bounded). */
    private String awaitWaitingOn(long id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Optional<TaskInfo> t = rt.dump().task(id);
            if (t.isPresent() && t.get().waitingOn() != null && t.get().state() == TaskInfo.State.IDLE) {
                return t.get().waitingOn();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("task #" + id + " never showed what it waits on: " + rt.dump());
    }
}
