package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.Ports;
import dev.spindle.io.testkit.Sink;
import dev.spindle.testkit.WorkerThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * TCP over loopback through the reactor: blocking clients, accept, reset, stalls, idle cost. What every stream
 * promises (echo, half-close, close waking a waiter, split halves) is in {@link TcpStreamBehaviourTest}.
 */
@Timeout(value = 60, unit = SECONDS)
class TcpTest {
    private SpindleRuntime rt;
    private String prefix;

    @BeforeEach
    void start() {
        prefix = "tcp-test-" + System.nanoTime() + "-";
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /**
     * Echoes one connection until EOF, then half-closes and closes it. The stream is closed also when the echo
     * fails or is cancelled (the runtime closing while it runs): it owns the stream.
     */
    static Future<Long> echo(TcpStream s) {
        Future<Long> echo = Io.copy(s, s).flatMap(n -> Io.shutdown(s).map(v -> {
            try {
                s.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return n;
        }));
        return new Future<>() {
            @Override
            public Poll<Long> poll(Context cx) {
                try {
                    return echo.poll(cx);
                } catch (RuntimeException | Error e) {
                    closeQuietly(s);
                    throw e;
                }
            }

            @Override
            public void cancel() {
                echo.cancel();
                closeQuietly(s);
            }
        };
    }

    /** Closes {@code s}, for a test's clean-up paths (the failure being reported is another). */
    static void closeQuietly(AutoCloseable s) {
        try {
            s.close();
        } catch (Exception ignored) {
            // already closed, or the peer is gone: nothing to clean up
        }
    }

    /** Accepts {@code n} connections and echoes each on its own task. */
    static Future<Void> server(TcpListener l, int n) {
        return Futures.pollFn(new java.util.function.Function<Context, Poll<Void>>() {
            int accepted;

            @Override
            public Poll<Void> apply(Context cx) {
                try {
                    while (accepted < n) {
                        Poll<TcpStream> p = l.pollAccept(cx);
                        if (p.isPending()) {
                            return Poll.pending();
                        }
                        accepted++;
                        SpindleRuntime.current().spawn(echo(p.value()));
                    }
                    return Poll.readyNull();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    @Test
    void echoesForBlockingClientsWithChecksums() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            int clients = 20;
            JoinHandle<Void> srv = rt.spawn(server(l, clients));
            List<Thread> ts = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int c = 0; c < clients; c++) {
                int seed = c;
                ts.add(Thread.ofVirtual().start(() -> {
                    try (Socket s = new Socket("127.0.0.1", l.localAddress().getPort())) {
                        byte[] data = new byte[256 * 1024];
                        new java.util.Random(seed).nextBytes(data);
                        Thread writer = Thread.ofVirtual().start(() -> {
                            try {
                                OutputStream out = s.getOutputStream();
                                out.write(data);
                                s.shutdownOutput();
                            } catch (IOException e) {
                                errors.add(e);
                            }
                        });
                        InputStream in = s.getInputStream();
                        byte[] back = in.readAllBytes();
                        writer.join();
                        CRC32 a = new CRC32();
                        a.update(data);
                        CRC32 b = new CRC32();
                        b.update(back);
                        if (back.length != data.length || a.getValue() != b.getValue()) {
                            errors.add(new AssertionError("client " + seed + ": echo differs (" + back.length + " bytes)"));
                        }
                    } catch (Exception e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : ts) {
                assertThat(t.join(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(errors).isEmpty();
            srv.join(Duration.ofSeconds(10));
        }
    }

    /**
     * An accept loop per worker on one listener: every waiting task must be woken for the connections that come,
     * not only the last one to wait (the listener's readiness record has one waker slot per direction).
     */
    @Test
    void severalTasksWaitingInAcceptOnOneListenerEachGetAConnection() throws Exception {
        int acceptors = 4;
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            List<JoinHandle<TcpStream>> accepts = new ArrayList<>();
            for (int i = 0; i < acceptors; i++) {
                accepts.add(rt.spawn(l.accept()));
            }
            await().atMost(10, SECONDS).until(() -> l.acceptWaiters() == acceptors); // every task is waiting
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < acceptors; i++) {
                    clients.add(new Socket("127.0.0.1", l.localAddress().getPort()));
                    // One at a time: each connection is a separate event, taken by one waiter before the next
                    // arrives (waited for, not slept for), so every waiter must have been woken on its own.
                    int taken = i + 1;
                    await().atMost(10, SECONDS).until(() -> accepts.stream().filter(JoinHandle::isDone).count() == taken);
                }
                for (JoinHandle<TcpStream> a : accepts) {
                    a.join(Duration.ofSeconds(5)).close();
                }
                assertThat(l.acceptWaiters()).isZero();
            } finally {
                for (Socket c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void anAcceptDroppedByATimeoutLeavesNoWaiterBehind() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            assertThatThrownBy(() -> rt.blockOn(dev.spindle.time.Time.timeout(Duration.ofMillis(100), l.accept())))
                    .hasRootCauseInstanceOf(dev.spindle.time.DeadlineExceededException.class);
            assertThat(l.acceptWaiters()).as("the cancelled accept took its waker out").isZero();
            try (Socket c = new Socket("127.0.0.1", l.localAddress().getPort())) {
                rt.blockOn(l.accept()).close(); // the listener still works
            }
        }
    }

    /**
     * NIO closes a registered listener's descriptor only when the selector deregisters it; on an idle runtime the
     * reactor may sit in select indefinitely, and until it wakes the closed listener still completes connections
     * into its backlog. Nothing waits on this listener (its accept timed out), so only close() itself can wake
     * the reactor: without that wake, connections keep succeeding for as long as the runtime stays idle.
     */
    @Test
    void aClosedListenerRefusesConnectionsEvenWhileTheRuntimeIsIdle() throws Exception {
        TcpListener l = TcpListener.bind(ANY_LOOPBACK);
        int port = l.localAddress().getPort();
        assertThatThrownBy(() -> rt.blockOn(dev.spindle.time.Time.timeout(Duration.ofMillis(50), l.accept())))
                .hasRootCauseInstanceOf(dev.spindle.time.DeadlineExceededException.class); // registered, idle
        // Every worker parked, one of them in select without a deadline: awaited, not slept for, since a worker
        // still searching when close() runs would see the close anyway and the test would prove nothing.
        await().atMost(10, SECONDS).until(() -> rt.metrics().parkedWorkers() == rt.metrics().workers());
        l.close();
        Ports.awaitRefused(port, Duration.ofSeconds(2));
    }

    @Test
    void aPeerResetFailsTheReadWithAnIOException() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Socket peer = new Socket();
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            peer.connect(l.localAddress());
            TcpStream s = accepted.join(Duration.ofSeconds(10));
            JoinHandle<byte[]> reader = rt.spawn(Io.readToEnd(s, 64 * 1024 * 1024));
            Thread.sleep(50);
            peer.setSoLinger(true, 0);
            peer.close(); // RST
            assertThatThrownBy(() -> reader.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class);
            s.close();
        }
    }

    @Test
    void aPeerResetFailsAPendingWriteWithAnIOExceptionAndNothingSpinsAfterwards() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Socket peer = new Socket();
            peer.setReceiveBufferSize(4096);
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            peer.connect(l.localAddress());
            TcpStream s = accepted.join(Duration.ofSeconds(10));
            s.setSendBufferSize(4096);
            JoinHandle<Void> writer = rt.spawn(Io.writeAll(s, ByteBuffer.allocate(64 * 1024 * 1024)));
            Thread.sleep(300); // buffers full: the writer waits for space
            assertThat(writer.isDone()).isFalse();
            peer.setSoLinger(true, 0);
            peer.close(); // RST while the write is pending
            assertThatThrownBy(() -> writer.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class)
                    .cause().isInstanceOf(IOException.class);
            s.close();
            // No task is left (the counters trail the join briefly): from here on any poll is a leftover
            // wake, and any CPU is the driver spinning on the dead socket's registration. Two seconds, as in
            // the other idle checks, so that a spin would show as seconds of CPU, not as noise.
            await().atMost(10, SECONDS).until(() -> rt.metrics().alive() == 0);
            long polls0 = rt.metrics().totalPolls();
            long cpu0 = WorkerThreads.cpuNanos(prefix);
            Thread.sleep(2000);
            assertThat(Duration.ofNanos(WorkerThreads.cpuNanos(prefix) - cpu0)).as("CPU after the reset").isLessThan(Duration.ofMillis(50));
            assertThat(rt.metrics().totalPolls() - polls0).as("polls after the reset, with no task alive").isZero();
            assertThat(rt.metrics().alive()).isZero();
        }
    }

    @Test
    void aConnectThatNeverCompletesTimesOutWithSocketTimeoutException() throws Exception {
        // A listener that never accepts and whose backlog is full: the kernel drops further SYNs, so a new
        // connect stays pending (Linux retransmits the SYN for about two minutes).
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                InetSocketAddress addr = new InetSocketAddress("127.0.0.1", full.getLocalPort());
                boolean hangs = false;
                for (int i = 0; i < 16 && !hangs; i++) {
                    Socket f = new Socket();
                    fillers.add(f);
                    try {
                        f.connect(addr, 200);
                    } catch (java.net.SocketTimeoutException e) {
                        hangs = true; // the queue is full: connects now stay pending
                    }
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(hangs,
                        "this kernel completed every connect to a full listener; cannot provoke a pending connect");
                long t0 = System.nanoTime();
                JoinHandle<TcpStream> c = rt.spawn(TcpStream.connect(addr, Duration.ofMillis(300)));
                assertThatThrownBy(() -> c.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .cause().isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("timed out after PT0.3S")
                        .cause().isInstanceOf(java.net.SocketTimeoutException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void aWriterFacingAStalledReaderWaitsWithoutSpinning() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK); Socket peer = new Socket()) {
            peer.setReceiveBufferSize(4096);
            JoinHandle<TcpStream> accepted = rt.spawn(l.accept());
            peer.connect(l.localAddress());
            try (TcpStream s = accepted.join(Duration.ofSeconds(10))) {
                s.setSendBufferSize(4096);
                ByteBuffer big = ByteBuffer.allocate(64 * 1024 * 1024); // far more than the socket buffers hold
                long pollsBeforeSpawn = rt.metrics().totalPolls();
                JoinHandle<Void> writer = rt.spawn(Io.writeAll(s, big));
                // The buffers fill and the writer goes Pending: it has been polled and every worker parks.
                // Waiting for that, not a fixed sleep, keeps a loaded machine's slow start out of the measured
                // window; a writer that spun would never let them all park, and this wait would fail instead.
                await().atMost(10, SECONDS).until(() -> rt.metrics().totalPolls() > pollsBeforeSpawn
                        && rt.metrics().parkedWorkers() == rt.metrics().workers());
                long polls0 = rt.metrics().totalPolls();
                long cpu0 = WorkerThreads.cpuNanos(prefix);
                Thread.sleep(2000);
                Duration cpu = Duration.ofNanos(WorkerThreads.cpuNanos(prefix) - cpu0);
                long polls = rt.metrics().totalPolls() - polls0;
                String window = "over 2 s stalled: " + cpu.toMillis() + " ms worker CPU, " + polls + " polls; "
                        + rt.metrics().describe();
                System.out.printf("stalled writer: %d ms worker CPU, %d polls over 2 s%n", cpu.toMillis(), polls);
                assertThat(polls).as("polls " + window).isLessThan(10);
                assertThat(cpu).as("CPU " + window).isLessThan(Duration.ofMillis(50));
                assertThat(writer.isDone()).isFalse();
                writer.abort();
            }
        }
    }

    @Test
    void manyIdleConnectionsCostNoCpu() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK, 1024)) {
            int n = 500;
            JoinHandle<Void> srv = rt.spawn(server(l, n));
            List<Socket> peers = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    peers.add(new Socket("127.0.0.1", l.localAddress().getPort()));
                }
                srv.join(Duration.ofSeconds(20));
                Thread.sleep(200);
                long cpu0 = WorkerThreads.cpuNanos(prefix);
                Thread.sleep(2000);
                assertThat(Duration.ofNanos(WorkerThreads.cpuNanos(prefix) - cpu0)).isLessThan(Duration.ofMillis(50));
                assertThat(rt.metrics().alive()).isEqualTo(n); // every echo task waits, idle
            } finally {
                for (Socket p : peers) {
                    p.close();
                }
            }
        }
    }

    /**
     * Regression: a connection that has written (and a Spindle client that connected) must not leave write
     * interest behind. A leftover OP_CONNECT on a connected socket made epoll report POLLOUT forever with no
     * key selected, and one idle connection spun a core.
     */
    @Test
    void connectionsThatTalkedThenWentIdleCostNoCpu() throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            int blockingClients = 10;
            JoinHandle<Void> srv = rt.spawn(server(l, blockingClients + 1));
            List<Socket> peers = new ArrayList<>();
            try {
                for (int i = 0; i < blockingClients; i++) {
                    Socket p = new Socket("127.0.0.1", l.localAddress().getPort());
                    p.getOutputStream().write(new byte[] {1, 2, 3});
                    assertThat(p.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);
                    peers.add(p);
                }
                // A Spindle client: connect (OP_CONNECT), write, read its echo, then stay open and idle.
                TcpStream client = rt.blockOn(TcpStream.connect(l.localAddress()));
                rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(new byte[] {9})));
                ByteBuffer one = ByteBuffer.allocate(1);
                rt.blockOn(Io.readExact(client, one));
                assertThat(one.get(0)).isEqualTo((byte) 9);
                JoinHandle<Integer> idleRead = rt.spawn(Io.read(client, ByteBuffer.allocate(1)));
                srv.join(Duration.ofSeconds(10));
                Thread.sleep(200);
                long cpu0 = WorkerThreads.cpuNanos(prefix);
                long polls0 = rt.metrics().totalPolls();
                Thread.sleep(2000);
                assertThat(Duration.ofNanos(WorkerThreads.cpuNanos(prefix) - cpu0)).as("CPU of idle connections").isLessThan(Duration.ofMillis(50));
                assertThat(rt.metrics().totalPolls() - polls0).as("polls while idle").isLessThan(10);
                assertThat(idleRead.isDone()).isFalse();
                idleRead.abort();
                client.close();
            } finally {
                for (Socket p : peers) {
                    p.close();
                }
            }
        }
    }

    @Test
    void aRelayCopiesBothWaysAndHalfClosesEachSideAfterItsEof() throws Exception {
        try (TcpListener upstream = TcpListener.bind(ANY_LOOPBACK); TcpListener relay = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<Void> echoServer = rt.spawn(server(upstream, 1));
            InetSocketAddress upstreamAddr = upstream.localAddress();
            // The relay: accept one client, connect upstream, copy both ways.
            JoinHandle<Io.Copied> relayed = rt.spawn(relay.accept().flatMap(client ->
                    TcpStream.connect(upstreamAddr).flatMap(up -> Io.copyBidirectional(client, up).map(copied -> {
                        closeQuietly(client);
                        closeQuietly(up);
                        return copied;
                    }))));
            byte[] data = new byte[1024 * 1024];
            new java.util.Random(7).nextBytes(data);
            byte[] back;
            try (Socket s = new Socket("127.0.0.1", relay.localAddress().getPort())) {
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        s.getOutputStream().write(data);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                back = s.getInputStream().readAllBytes(); // EOF arrives only because the relay half-closed
                writer.join();
            }
            assertThat(back).isEqualTo(data);
            Io.Copied c = relayed.join(Duration.ofSeconds(20));
            assertThat(c.aToB()).isEqualTo(data.length);
            assertThat(c.bToA()).isEqualTo(data.length);
            echoServer.join(Duration.ofSeconds(10));
        }
    }

    @Test
    void anAlwaysReadyConnectionCannotStarveTheOthers() throws Exception {
        rt.close();
        rt = SpindleRuntime.builder().workers(1).threadNamePrefix(prefix).build(); // one worker: starvation would show
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK); Socket flooder = new Socket(); Socket quiet = new Socket()) {
            JoinHandle<TcpStream> a1 = rt.spawn(l.accept());
            flooder.connect(l.localAddress());
            TcpStream floodSide = a1.join(Duration.ofSeconds(10));
            JoinHandle<TcpStream> a2 = rt.spawn(l.accept());
            quiet.connect(l.localAddress());
            TcpStream quietSide = a2.join(Duration.ofSeconds(10));

            Thread pump = Thread.ofPlatform().daemon().start(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = flooder.getOutputStream();
                    while (!Thread.currentThread().isInterrupted()) {
                        out.write(chunk);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            JoinHandle<Long> drain = rt.spawn(Io.copy(floodSide, new Sink())); // never ends while flooded
            Thread.sleep(200); // the reader is now hot: data is always there
            JoinHandle<Integer> other = rt.spawn(Io.read(quietSide, ByteBuffer.allocate(8)));
            quiet.getOutputStream().write(new byte[]{1, 2, 3});
            assertThat(other.join(Duration.ofSeconds(10))).as("the quiet connection was served").isEqualTo(3);
            assertThat(rt.metrics().perWorker().get(0).forcedYields()).as("the budget made the hot reader yield")
                    .isPositive();
            pump.interrupt();
            drain.abort();
            floodSide.close();
            quietSide.close();
        }
    }
}
