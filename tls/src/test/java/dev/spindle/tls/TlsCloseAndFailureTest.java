package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.EnginePeer;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Endings, clean and otherwise: close_notify (the incident), truncation, garbage, alerts, resets, stalls. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung blockOn fails, not hangs
class TlsCloseAndFailureTest {
    private SpindleRuntime rt;
    private String prefix;

    @BeforeEach
    void start() {
        prefix = "tls-close-" + System.nanoTime() + "-";
        rt = TlsTestSupport.runtime(prefix);
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    /** A Spindle server handshaking with a raw-socket {@link EnginePeer} client. */
    private record Connected(TlsStream<TcpStream> server, EnginePeer peer) {
    }

    private Connected connect(TcpListener l, TlsAcceptor acceptor, String... protocols) throws Exception {
        JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(l, acceptor));
        Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort());
        EnginePeer peer = EnginePeer.client(SERVER.trustContext(), raw, protocols).handshake();
        return new Connected(accepted.join(Duration.ofSeconds(10)), peer);
    }

    /**
     * The incident: a proxy relays a TLS client to a backend; the client sends data, close_notify, then more
     * records and garbage, and keeps TCP open. The relay must hand the backend exactly the data before
     * close_notify, read -1, half-close the backend, and then sit still: no CPU, (almost) no polls, while the
     * connection stays open and garbage keeps arriving.
     */
    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void closeNotifyFollowedByMoreRecordsAndGarbageEndsTheStreamAndThenNothingWakesTheTask(TlsEngine engine, String protocol)
            throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK);
             ServerSocket backendListener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Connected c = connect(l, TlsTestSupport.acceptor(engine, protocol), protocol);
            TcpStream backendSide = rt.blockOn(TcpStream.connect(backendListener.getLocalSocketAddress()));
            try (Socket backend = backendListener.accept(); EnginePeer peer = c.peer()) {
                JoinHandle<Long> relay = rt.spawn(naiveRelay(c.server(), backendSide));

                byte[] data = new byte[40_000];
                new Random(11).nextBytes(data);
                byte[] records = peer.wrap(data);
                byte[] closeNotify = peer.closeNotify();
                // "More records" after close_notify: the engine cannot wrap any after closeOutbound, and a record
                // wrapped earlier would carry an earlier sequence number; a replay of valid ciphertext serves.
                byte[] afterClose = Arrays.copyOf(records, 2000);
                byte[] garbage = new byte[3000];
                new Random(12).nextBytes(garbage);
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                wire.writeBytes(records);
                wire.writeBytes(closeNotify);
                wire.writeBytes(afterClose);
                wire.writeBytes(garbage);
                peer.send(wire.toByteArray());

                // The backend gets exactly the data before close_notify, then EOF (the relay half-closed it).
                backend.setSoTimeout(10_000);
                byte[] relayed = backend.getInputStream().readAllBytes();
                assertThat(relayed).isEqualTo(data);

                Thread.sleep(100); // let the relay settle
                long polls0 = rt.metrics().totalPolls();
                long cpu0 = TlsTestSupport.cpuNanos(prefix);
                for (int i = 0; i < 4; i++) {
                    Thread.sleep(500);
                    peer.send(afterClose);   // more records after close_notify...
                    peer.send(garbage);      // ...and garbage, over a TCP connection that stays open
                }
                long cpu = TlsTestSupport.cpuNanos(prefix) - cpu0;
                long polls = rt.metrics().totalPolls() - polls0;
                assertThat(Duration.ofNanos(cpu)).as("worker CPU over 2 s after close_notify").isLessThan(Duration.ofMillis(50));
                assertThat(polls).as("polls over 2 s after close_notify").isLessThanOrEqualTo(1);
                assertThat(relay.isDone()).as("the backend direction is still open").isFalse();

                backend.shutdownOutput(); // the other direction ends too
                assertThat(relay.join(Duration.ofSeconds(10))).isEqualTo(data.length);
            } finally {
                c.server().close();
                backendSide.close();
            }
        }
    }

    /**
     * A relay written like the incident's proxy: every poll polls both directions, including the TLS reader
     * after it returned -1 (a select loop over both sockets). A TLS stream that woke its task after close_notify
     * would make this spin. Completes when the backend ends, with the bytes relayed from TLS to the backend.
     */
    private static dev.spindle.Future<Long> naiveRelay(TlsStream<TcpStream> tls, TcpStream backend) {
        ByteBuffer toBackend = ByteBuffer.allocate(16 * 1024).flip();
        ByteBuffer fromBackend = ByteBuffer.allocate(1024);
        long[] relayed = {0};
        boolean[] shut = {false};
        return dev.spindle.Futures.pollFn(cx -> {
            try {
                for (;;) { // TLS -> backend
                    if (toBackend.hasRemaining()) {
                        Poll<Integer> w = backend.pollWrite(cx, toBackend);
                        if (w.isPending()) {
                            break;
                        }
                        relayed[0] += w.value();
                        continue;
                    }
                    toBackend.clear();
                    Poll<Integer> r = tls.pollRead(cx, toBackend);
                    toBackend.flip();
                    if (r.isPending()) {
                        break;
                    }
                    if (r.value() < 0) {
                        if (!shut[0]) {
                            backend.shutdownOutput();
                            shut[0] = true;
                        }
                        break; // and the next wake polls the TLS reader again, as a select loop does
                    }
                }
                for (;;) { // backend -> TLS (the backend only ever ends)
                    fromBackend.clear();
                    Poll<Integer> r = backend.pollRead(cx, fromBackend);
                    if (r.isPending()) {
                        return Poll.pending();
                    }
                    if (r.value() < 0) {
                        return Poll.ready(relayed[0]);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void bothSidesSendCloseNotifyAtOnce(TlsEngine engine, String protocol) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, protocol)));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), TlsTestSupport.connector(engine, protocol)));
            TlsStream<TcpStream> server = accepted.join(Duration.ofSeconds(10));
            JoinHandle<byte[]> a = rt.spawn(Io.writeAll(client, ByteBuffer.wrap("from client".getBytes()))
                    .flatMap(v -> Io.shutdown(client)).flatMap(v -> TlsTestSupport.readAll(client)));
            JoinHandle<byte[]> b = rt.spawn(Io.writeAll(server, ByteBuffer.wrap("from server".getBytes()))
                    .flatMap(v -> Io.shutdown(server)).flatMap(v -> TlsTestSupport.readAll(server)));
            assertThat(new String(a.join(Duration.ofSeconds(10)))).isEqualTo("from server");
            assertThat(new String(b.join(Duration.ofSeconds(10)))).isEqualTo("from client");
            assertThatThrownBy(() -> rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(new byte[]{1}))))
                    .isInstanceOf(TaskFailedException.class).rootCause().hasMessageContaining("write after shutdown");
            client.close();
            server.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void eofWithoutCloseNotifyIsATruncationError(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Connected c = connect(l, TlsTestSupport.acceptor(engine));
            c.peer().send(c.peer().wrap("abc".getBytes()));
            c.peer().socket.shutdownOutput(); // FIN, no close_notify
            assertThatThrownBy(() -> rt.blockOn(TlsTestSupport.readAll(c.server()))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class)
                    .cause().isInstanceOf(SSLException.class)
                    .hasMessageContaining("TLS stream truncated")
                    .hasMessageContaining("without sending close_notify")
                    .hasMessageContaining("requireCloseNotify(false)");
            c.peer().close();
            c.server().close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void eofWithoutCloseNotifyIsAPlainEndWhenCloseNotifyIsNotRequired(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Connected c = connect(l, TlsAcceptor.builder(SERVER.serverContext()).engine(engine).requireCloseNotify(false).build());
            c.peer().send(c.peer().wrap("abc".getBytes()));
            c.peer().socket.shutdownOutput();
            assertThat(rt.blockOn(TlsTestSupport.readAll(c.server()))).isEqualTo("abc".getBytes());
            c.peer().close();
            c.server().close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void eofInsideARecordIsAnErrorEvenWhenCloseNotifyIsNotRequired(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Connected c = connect(l, TlsAcceptor.builder(SERVER.serverContext()).engine(engine).requireCloseNotify(false).build());
            byte[] record = c.peer().wrap("a record cut short".getBytes());
            c.peer().send(Arrays.copyOf(record, record.length - 5));
            c.peer().socket.shutdownOutput();
            assertThatThrownBy(() -> rt.blockOn(TlsTestSupport.readAll(c.server()))).isInstanceOf(TaskFailedException.class)
                    .rootCause().isInstanceOf(SSLException.class)
                    .hasMessageContaining("ended in the middle of a TLS record");
            c.peer().close();
            c.server().close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void garbageInsteadOfAClientHelloFailsTheAcceptClearly(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK); Socket raw = new Socket()) {
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine)));
            raw.connect(l.localAddress());
            raw.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThatThrownBy(() -> accepted.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("TLS handshake with /127.0.0.1:")
                    .cause().isInstanceOf(SSLException.class);
            raw.setSoTimeout(10_000);
            InputStream in = raw.getInputStream();
            assertThat(in.readAllBytes().length).as("at most an alert, then the connection is closed").isLessThan(100);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aFatalAlertMidStreamFailsTheRead(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Connected c = connect(l, TlsTestSupport.acceptor(engine), "TLSv1.3");
            EnginePeer peer = c.peer();
            peer.send(peer.wrap("data first".getBytes()));
            byte[] first = new byte[10];
            rt.blockOn(Io.readExact(c.server(), ByteBuffer.wrap(first)));
            assertThat(new String(first)).isEqualTo("data first");
            // Make the peer's engine fail on a corrupted record of ours: it queues a fatal alert, which it sends.
            rt.blockOn(Io.writeAll(c.server(), ByteBuffer.wrap("x".getBytes())));
            byte[] ours = peer.readRawRecord();
            ours[ours.length - 1] ^= 1;
            assertThatThrownBy(() -> peer.unwrapRaw(ours)).isInstanceOf(SSLException.class);
            peer.send(peer.wrap(new byte[0])); // the alert
            Throwable failed = catchThrowable(() -> rt.blockOn(TlsTestSupport.readAll(c.server())));
            assertThat(failed).isInstanceOf(TaskFailedException.class).rootCause().isInstanceOf(SSLException.class);
            // Both engines name the alert the same way (BoringSSL's error code is translated: BoringSsl.clarify).
            assertThat(TlsTestSupport.causeMessages(failed)).contains("Received fatal alert: bad_record_mac");
            assertThatThrownBy(() -> rt.blockOn(Io.writeAll(c.server(), ByteBuffer.wrap(new byte[]{1}))))
                    .as("the stream stays failed").isInstanceOf(TaskFailedException.class)
                    .rootCause().isInstanceOf(SSLException.class);
            peer.close();
            c.server().close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aResetDuringTheHandshakeFailsTheAccept(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine)));
            Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort());
            byte[] hello = TlsTestSupport.clientHello(TlsEngine.JDK, null, "localhost");
            raw.getOutputStream().write(hello, 0, hello.length / 2);
            Thread.sleep(100);
            raw.setSoLinger(true, 0);
            raw.close(); // RST
            assertThatThrownBy(() -> accepted.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause().isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aResetMidStreamFailsTheReadWithAnIOException(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            Connected c = connect(l, TlsTestSupport.acceptor(engine));
            JoinHandle<byte[]> reader = rt.spawn(TlsTestSupport.readAll(c.server()));
            c.peer().send(c.peer().wrap("some".getBytes()));
            Thread.sleep(100);
            c.peer().socket.setSoLinger(true, 0);
            c.peer().close(); // RST
            assertThatThrownBy(() -> reader.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause().isInstanceOf(IOException.class)
                    .isNotInstanceOf(SSLException.class);
            c.server().close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aClientHandshakingOneBytePerSecondTimesOutAndAnotherConnectionIsUnaffected(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(SERVER.serverContext()).engine(engine).handshakeTimeout(Duration.ofMillis(1500)).build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            // One handshake and echo first, so that the one raced against the slow client's 1.5 s below is a
            // warm one: a cold first handshake (class loading, the JIT, BoringSSL's native set-up) can take
            // longer than that on a busy two-core machine, which is not what "unaffected" is about.
            quickEcho(l, acceptor, engine);
            runSlowAndQuick(l, acceptor, engine);
        }
    }

    private void quickEcho(TcpListener l, TlsAcceptor acceptor, TlsEngine engine) throws Exception {
        JoinHandle<Long> fast = rt.spawn(acceptTls(l, acceptor).flatMap(TlsTestSupport::echo));
        TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), TlsTestSupport.connector(engine)));
        rt.blockOn(Io.writeAll(client, ByteBuffer.wrap("quick".getBytes())).flatMap(v -> Io.shutdown(client)));
        assertThat(new String(rt.blockOn(TlsTestSupport.readAll(client)))).isEqualTo("quick");
        assertThat(fast.join(Duration.ofSeconds(10))).isEqualTo(5);
        client.close();
    }

    private void runSlowAndQuick(TcpListener l, TlsAcceptor acceptor, TlsEngine engine) throws Exception {
        try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort())) {
            TcpStream slowTcp = rt.blockOn(l.accept());
            long t0 = System.nanoTime();
            JoinHandle<TlsStream<TcpStream>> slowAccept = rt.spawn(acceptor.accept(slowTcp));
            byte[] hello = TlsTestSupport.clientHello(TlsEngine.JDK, null, "localhost");
            Thread dripper = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : hello) {
                        slow.getOutputStream().write(b);
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed the connection: expected
                }
            });
            // Meanwhile a normal client connects, handshakes and echoes, while the slow one is still stuck.
            quickEcho(l, acceptor, engine);
            assertThat(slowAccept.isDone()).as("the slow handshake is still running").isFalse();

            assertThatThrownBy(() -> slowAccept.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause().isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("timed out").hasMessageContaining("PT1.5S");
            // Never early (a timer never fires before its deadline, and its clock started after t0); late only by
            // scheduling delays.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(5));
            slow.setSoTimeout(10_000);
            assertThat(slow.getInputStream().read()).as("the server closed the slow connection").isEqualTo(-1);
            dripper.interrupt();
        }
    }
}
