package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.diagnostics.BusyLoop;
import dev.spindle.diagnostics.BusyLoopException;
import dev.spindle.diagnostics.BusyLoopPolicy;
import dev.spindle.diagnostics.DiagnosticEvent;
import dev.spindle.diagnostics.Described;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.acceptor;
import static dev.spindle.tls.TlsTestSupport.closeQuietly;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static dev.spindle.tls.TlsTestSupport.connector;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A replay of the incident against a deliberately broken TLS-like wrapper over a real socket: a proxy task copying a
 * TLS client to a backend read the client through a wrapper that, once the client's close_notify arrived with data
 * still buffered, woke its own task and returned Pending forever without reading. It burned a worker and nothing
 * said which task. Here the same shape ({@link LeakyTlsReader} inside a user future {@link DuplexCopy}, over a real
 * {@link TlsStream} on a real {@link TcpStream} on 127.0.0.1) must be caught by the busy-loop detector, by name, within
 * a second; aborted under {@link BusyLoopPolicy#ABORT}; and a correct reader of the same stream must not be reported.
 */
@Timeout(value = 30, unit = SECONDS)
class IncidentReplayTest {
    private static final int PAYLOAD = 10_000;
    private static final TlsAcceptor ACCEPTOR = acceptor(TlsEngine.JDK, "TLSv1.3");
    private static final TlsConnector CONNECTOR = connector(TlsEngine.JDK, "TLSv1.3");

    @Test
    void theLoopingWrapperIsReportedByNameWithinASecond() throws Exception {
        List<DiagnosticEvent> reports = new CopyOnWriteArrayList<>();
        List<Long> reportedAt = new CopyOnWriteArrayList<>();
        try (SpindleRuntime rt = runtime("incident-report", BusyLoopPolicy.REPORT, e -> {
            reportedAt.add(System.nanoTime());
            reports.add(e);
        }); Proxy proxy = Proxy.open(rt)) {
            JoinHandle<Void> task = rt.spawn(proxy.copy); // this frame is the spawn site the report must name

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reports.stream().noneMatch(BusyLoop.class::isInstance) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            BusyLoop report = reports.stream().filter(BusyLoop.class::isInstance).map(BusyLoop.class::cast)
                    .findFirst().orElseThrow(() -> new AssertionError("no busy-loop report within 5 s; reports: "
                            + reports));
            long loopStarted = proxy.reader.loopStartedNanos;
            assertThat(loopStarted).as("the wrapper entered its bug").isNotZero();
            long after = reportedAt.get(reports.indexOf(report)) - loopStarted;
            assertThat(Duration.ofNanos(after)).as("reported after the loop started").isLessThan(Duration.ofSeconds(1));

            assertThat(report.runtime()).isEqualTo("incident-report");
            assertThat(report.policy()).isEqualTo(BusyLoopPolicy.REPORT);
            assertThat(report.selfWakes()).as("the incident's signature: the task woke itself").isPositive();
            assertThat(report.task().typeChain())
                    .contains("DuplexCopy<LeakyTlsReader<TlsStream<TcpStream>>, TcpStream>");
            assertThat(report.task().spawnSite()).contains(IncidentReplayTest.class.getName())
                    .contains("theLoopingWrapperIsReportedByNameWithinASecond");
            assertThat(report.message()).contains("DuplexCopy").contains("LeakyTlsReader");
            assertThat(proxy.copy.cancels.get()).as("REPORT leaves the task running").isZero();

            task.abort(); // the test's own clean-up: the report policy left it spinning
            assertThatThrownBy(() -> task.join(Duration.ofSeconds(5))).isInstanceOf(TaskCancelledException.class);
            assertThat(proxy.copy.cancels.get()).isEqualTo(1);
            proxy.assertSocketsClosed();
        }
    }

    @Test
    void underAbortTheHandleFailsWithTheReportAndTheWrapperIsReleasedOnce() throws Exception {
        List<DiagnosticEvent> reports = new CopyOnWriteArrayList<>();
        try (SpindleRuntime rt = runtime("incident-abort", BusyLoopPolicy.ABORT, reports::add);
             Proxy proxy = Proxy.open(rt)) {
            JoinHandle<Void> task = rt.spawn(proxy.copy);

            assertThatThrownBy(() -> task.join(Duration.ofSeconds(5)))
                    .isInstanceOf(TaskCancelledException.class)
                    .satisfies(e -> {
                        assertThat(e.getCause()).isInstanceOf(BusyLoopException.class);
                        BusyLoop r = ((BusyLoopException) e.getCause()).report();
                        assertThat(r.task().typeChain()).contains("DuplexCopy<LeakyTlsReader<");
                        assertThat(r.policy()).isEqualTo(BusyLoopPolicy.ABORT);
                    })
                    .hasMessageContaining("DuplexCopy");
            assertThat(proxy.copy.cancels.get()).as("the wrapper's release hook").isEqualTo(1);
            // The watchdog delivers the report to listeners a moment after the worker aborted the task (workers
            // never call listeners), so join() can return first: wait for it.
            await().atMost(5, SECONDS).untilAsserted(
                    () -> assertThat(reports).anySatisfy(e -> assertThat(e).isInstanceOf(BusyLoop.class)));
            proxy.assertSocketsClosed();
        }
    }

    @Test
    void aCorrectReaderOfTheSameStreamIsNotReported() throws Exception {
        List<DiagnosticEvent> reports = new CopyOnWriteArrayList<>();
        try (SpindleRuntime rt = runtime("incident-control", BusyLoopPolicy.REPORT, reports::add);
             Proxy proxy = Proxy.open(rt)) {
            // The same stream in the same state (data and close_notify waiting), read by Spindle's own copy.
            JoinHandle<Long> task = rt.spawn(Io.copy(proxy.tls, proxy.backend));
            assertThat(task.join(Duration.ofSeconds(5))).isEqualTo(PAYLOAD);
            Thread.sleep(700); // more than a detector window: nothing may come late either
            assertThat(reports).isEmpty();
            proxy.close();
            proxy.assertSocketsClosed();
        }
    }

    private static SpindleRuntime runtime(String name, BusyLoopPolicy policy,
            java.util.function.Consumer<DiagnosticEvent> listener) {
        return SpindleRuntime.builder().name(name).workers(2).threadNamePrefix(name + "-worker-")
                .busyLoopPolicy(policy).onDiagnostic(listener).build();
    }

    /**
     * The incident's set-up: a TLS client that has sent {@value #PAYLOAD} bytes and close_notify (and half-closed
     * its socket) before the proxy task runs, so the proxy finds data and close_notify together; and the proxy's
     * backend connection, drained by a task of its own.
     */
    private static final class Proxy implements AutoCloseable {
        final TlsStream<TcpStream> client;
        final TlsStream<TcpStream> tls;
        final TcpStream backend;
        final TcpStream backendPeer;
        final TcpListener listener;
        final TcpListener backendListener;
        final JoinHandle<byte[]> backendDrain;
        final LeakyTlsReader<TlsStream<TcpStream>> reader;
        final DuplexCopy copy;

        private Proxy(TlsStream<TcpStream> client, TlsStream<TcpStream> tls, TcpStream backend, TcpStream backendPeer,
                TcpListener listener, TcpListener backendListener, JoinHandle<byte[]> backendDrain) {
            this.client = client;
            this.tls = tls;
            this.backend = backend;
            this.backendPeer = backendPeer;
            this.listener = listener;
            this.backendListener = backendListener;
            this.backendDrain = backendDrain;
            this.reader = new LeakyTlsReader<>(tls);
            this.copy = new DuplexCopy(reader, tls, backend, backend);
        }

        static Proxy open(SpindleRuntime rt) throws Exception {
            TcpListener listener = TcpListener.bind(ANY_LOOPBACK);
            TcpListener backendListener = TcpListener.bind(ANY_LOOPBACK);
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(listener, ACCEPTOR));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(listener.localAddress().getPort(), CONNECTOR));
            TlsStream<TcpStream> tls = accepted.join(Duration.ofSeconds(10));
            JoinHandle<TcpStream> backendAccepted = rt.spawn(backendListener.accept());
            TcpStream backend = rt.blockOn(TcpStream.connect(backendListener.localAddress()));
            TcpStream backendPeer = backendAccepted.join(Duration.ofSeconds(10));
            // The backend: takes whatever the proxy forwards, until the proxy's side closes.
            JoinHandle<byte[]> drain = rt.spawn(Io.readToEnd(backendPeer, 1 << 20));

            // The client's whole conversation, done before the proxy reads anything.
            rt.blockOn(Io.writeAll(client, ByteBuffer.allocate(PAYLOAD)).flatMap(v -> Io.shutdown(client)));
            Thread.sleep(50); // loopback delivers at once; this only rules out a slow scheduler
            return new Proxy(client, tls, backend, backendPeer, listener, backendListener, drain);
        }

        void assertSocketsClosed() {
            assertThat(tls.isClosed()).as("the proxy's TLS stream").isTrue();
            assertThat(tls.transport().isClosed()).as("the proxy's client socket").isTrue();
            assertThat(backend.isClosed()).as("the proxy's backend socket").isTrue();
        }

        @Override
        public void close() throws Exception {
            closeQuietly(tls);
            closeQuietly(backend);
            // The backend sees the proxy's side end (EOF) and finishes before its own socket is closed under it.
            assertThat(backendDrain.join(Duration.ofSeconds(5))).hasSizeLessThanOrEqualTo(PAYLOAD);
            closeQuietly(client);
            closeQuietly(backendPeer);
            closeQuietly(listener);
            closeQuietly(backendListener);
        }
    }

    /**
     * The broken wrapper (a test double of the incident's): reads ahead into its own buffer to hand over bigger
     * chunks, and once the inner stream reports its end with data still buffered, means to "come back and flush",
     * wakes its task and returns Pending. But the flush is only reached while not at the end, so from then on every
     * poll wakes itself again without reading or handing over anything.
     */
    static final class LeakyTlsReader<S extends AsyncRead> implements AsyncRead, Described {
        private final S inner;
        private final ByteBuffer ahead = ByteBuffer.allocate(64 * 1024).flip();
        private boolean eof;
        /** When the bug was first entered (nanoTime), for the test's one-second bound. */
        volatile long loopStartedNanos;

        LeakyTlsReader(S inner) {
            this.inner = inner;
        }

        @Override
        public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
            if (!eof) {
                ahead.compact();
                try {
                    while (ahead.hasRemaining()) {
                        Poll<Integer> p = inner.pollRead(cx, ahead);
                        if (p.isPending()) {
                            break;
                        }
                        if (p.value() < 0) {
                            eof = true;
                            break;
                        }
                    }
                } finally {
                    ahead.flip();
                }
            }
            if (eof) {
                if (!ahead.hasRemaining()) {
                    return Poll.readyCount(-1);
                }
                // The bug: "flush on the next poll", which never comes to the flush below.
                if (loopStartedNanos == 0) {
                    loopStartedNanos = System.nanoTime();
                }
                cx.waker().wake();
                return Poll.pending();
            }
            if (!ahead.hasRemaining()) {
                return Poll.pending(); // the inner stream's Pending: it registered the waker
            }
            int n = Math.min(dst.remaining(), ahead.remaining());
            dst.put(dst.position(), ahead, ahead.position(), n);
            dst.position(dst.position() + n);
            ahead.position(ahead.position() + n);
            return Poll.readyCount(n);
        }

        @Override
        public List<?> children() {
            return List.of(inner);
        }
    }

    /**
     * A user's proxy future: copies a to b and b to a until both ends are done, half-closing each output when its
     * input ends; its release hook closes both sides. Described, so that its type chain names what it drives.
     */
    static final class DuplexCopy implements Future<Void>, Described {
        private final AsyncRead aIn;
        private final AsyncRead bIn;
        private final Pump aToB;
        private final Pump bToA;
        private final List<AutoCloseable> resources = new ArrayList<>();
        final AtomicInteger cancels = new AtomicInteger();

        DuplexCopy(AsyncRead aIn, AsyncWrite aOut, AsyncRead bIn, AsyncWrite bOut) {
            this.aIn = aIn;
            this.bIn = bIn;
            this.aToB = new Pump(aIn, bOut);
            this.bToA = new Pump(bIn, aOut);
            for (Object o : List.of(aOut, bOut)) {
                if (o instanceof AutoCloseable c) {
                    resources.add(c);
                }
            }
        }

        @Override
        public Poll<Void> poll(Context cx) {
            try {
                boolean ab = aToB.poll(cx);
                boolean ba = bToA.poll(cx);
                return ab && ba ? Poll.readyNull() : Poll.pending();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
            resources.forEach(TlsTestSupport::closeQuietly);
        }

        @Override
        public List<?> children() {
            return List.of(aIn, bIn);
        }
    }

    /** One direction of {@link DuplexCopy}. */
    private static final class Pump {
        private final AsyncRead in;
        private final AsyncWrite out;
        private final ByteBuffer buf = ByteBuffer.allocate(16 * 1024).flip();
        private boolean eof;
        private boolean done;

        Pump(AsyncRead in, AsyncWrite out) {
            this.in = in;
            this.out = out;
        }

        boolean poll(Context cx) throws IOException {
            while (!done) {
                if (buf.hasRemaining()) {
                    if (out.pollWrite(cx, buf).isPending()) {
                        return false;
                    }
                } else if (eof) {
                    if (out.pollShutdown(cx).isPending()) {
                        return false;
                    }
                    done = true;
                } else {
                    buf.clear();
                    Poll<Integer> p = in.pollRead(cx, buf);
                    buf.flip();
                    if (p.isPending()) {
                        return false;
                    }
                    eof = p.value() < 0;
                }
            }
            return true;
        }
    }
}
