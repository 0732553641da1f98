package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;
import dev.spindle.io.Split;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static dev.spindle.tls.TlsTestSupport.expected;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Someone else's TLS as the peer: the JDK's blocking SSLSocket and SSLServerSocket. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung blockOn fails, not hangs
class TlsInteropTest {
    private static final long MiB = 1024 * 1024;
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = TlsTestSupport.runtime("tls-interop-" + System.nanoTime() + "-");
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    private static SSLServerSocket jdkServer(String protocol) throws Exception {
        SSLServerSocket ss = (SSLServerSocket) SERVER.serverContext().getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ss.setEnabledProtocols(new String[]{protocol});
        ss.setSoTimeout(30_000); // a test that fails must not hang in accept()
        return ss;
    }

    /** The next connection, with a read timeout: a peer that waits for bytes that never come fails the test. */
    private static SSLSocket accept(SSLServerSocket ss) throws Exception {
        SSLSocket s = (SSLSocket) ss.accept();
        s.setSoTimeout(30_000);
        return s;
    }

    private static SSLSocket jdkClient(int port, String protocol) throws Exception {
        SSLSocket s = (SSLSocket) SERVER.trustContext().getSocketFactory().createSocket("127.0.0.1", port);
        s.setEnabledProtocols(new String[]{protocol});
        s.setSoTimeout(30_000);
        return s;
    }

    private static <T> CompletableFuture<T> inThread(Callable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void hundredMiBEachWayAgainstAJdkServerThroughASplitStream(TlsEngine engine, String protocol) throws Exception {
        long bytes = 100 * MiB; // checksummed both ways (CRC32 and length), read and written at once
        try (SSLServerSocket ss = jdkServer(protocol)) {
            CompletableFuture<TlsTestSupport.Digest> peer = inThread(() -> {
                try (SSLSocket s = accept(ss)) {
                    CompletableFuture<TlsTestSupport.Digest> sent = inThread(() -> TlsTestSupport.writeData(s.getOutputStream(), 2, bytes));
                    TlsTestSupport.Digest got = TlsTestSupport.readDigest(s.getInputStream(), bytes);
                    sent.get(30, SECONDS);
                    assertThat(s.getInputStream().read()).as("our close_notify").isEqualTo(-1);
                    return got;
                }
            });
            TlsStream<TcpStream> client = rt.blockOn(connectTls(ss.getLocalPort(), TlsTestSupport.connector(engine, protocol)));
            Split.Halves<TlsStream<TcpStream>> h = client.split();
            JoinHandle<TlsTestSupport.Digest> writer = rt.spawn(TlsTestSupport.writeData(h.writer(), 1, bytes, 64 * 1024));
            JoinHandle<TlsTestSupport.Digest> reader = rt.spawn(TlsTestSupport.readDigest(h.reader(), bytes));
            assertThat(reader.join(Duration.ofSeconds(120))).isEqualTo(expected(2, bytes));
            assertThat(writer.join(Duration.ofSeconds(120))).isEqualTo(expected(1, bytes));
            rt.blockOn(Io.shutdown(h.writer()));
            assertThat(peer.get(30, SECONDS)).isEqualTo(expected(1, bytes));
            assertThat(rt.blockOn(TlsTestSupport.readAll(h.reader()))).as("the peer's close_notify").isEmpty();
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void manySmallWritesEachWay(TlsEngine engine) throws Exception {
        int writes = 5000;
        int size = 13;
        long bytes = (long) writes * size;
        try (SSLServerSocket ss = jdkServer("TLSv1.3")) {
            CompletableFuture<Long> echo = inThread(() -> {
                try (SSLSocket s = accept(ss)) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[size]; // small reads, small writes: one record per write back
                    long n = 0;
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, r);
                        n += r;
                    }
                    return n;
                }
            });
            TlsStream<TcpStream> client = rt.blockOn(connectTls(ss.getLocalPort(), TlsTestSupport.connector(engine)));
            Split.Halves<TlsStream<TcpStream>> h = client.split();
            JoinHandle<TlsTestSupport.Digest> writer = rt.spawn(TlsTestSupport.writeData(h.writer(), 3, bytes, size));
            JoinHandle<TlsTestSupport.Digest> reader = rt.spawn(TlsTestSupport.readDigest(h.reader(), bytes));
            assertThat(writer.join(Duration.ofSeconds(30))).isEqualTo(expected(3, bytes));
            assertThat(reader.join(Duration.ofSeconds(30))).isEqualTo(expected(3, bytes));
            rt.blockOn(Io.shutdown(client));
            assertThat(echo.get(30, SECONDS)).isEqualTo(bytes);
            client.close();
        }
    }

    /** {@code SSLSocket.startHandshake()} on an established TLS 1.3 connection sends a KeyUpdate (update_requested). */
    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void keyUpdatesFromAJdkPeerMidTransferAreAnswered(TlsEngine engine) throws Exception {
        long down = 4 * MiB;
        long up = 2 * MiB;
        int keyUpdates = 8;
        try (SSLServerSocket ss = jdkServer("TLSv1.3")) {
            CompletableFuture<TlsTestSupport.Digest> peer = inThread(() -> {
                try (SSLSocket s = accept(ss)) {
                    CompletableFuture<TlsTestSupport.Digest> received = inThread(() -> {
                        TlsTestSupport.Digest d = TlsTestSupport.readDigest(s.getInputStream(), up);
                        // Drain until our close_notify: closing with unread bytes (our last KeyUpdate answer)
                        // would make the kernel reset the connection and drop what is still in flight to us.
                        assertThat(s.getInputStream().read()).isEqualTo(-1);
                        return d;
                    });
                    OutputStream out = s.getOutputStream();
                    TlsTestSupport.Data data = new TlsTestSupport.Data(4);
                    byte[] chunk = new byte[(int) (down / keyUpdates)];
                    for (int i = 0; i < keyUpdates; i++) {
                        data.fill(chunk, chunk.length);
                        out.write(chunk);
                        s.startHandshake(); // TLS 1.3: a KeyUpdate asking us to update our keys too
                    }
                    out.flush();
                    return received.get(30, SECONDS);
                }
            });
            TlsStream<TcpStream> client = rt.blockOn(connectTls(ss.getLocalPort(), TlsTestSupport.connector(engine, "TLSv1.3")));
            Split.Halves<TlsStream<TcpStream>> h = client.split();
            JoinHandle<TlsTestSupport.Digest> reader = rt.spawn(TlsTestSupport.readDigest(h.reader(), down));
            JoinHandle<TlsTestSupport.Digest> writer = rt.spawn(TlsTestSupport.writeData(h.writer(), 5, up, 32 * 1024));
            assertThat(reader.join(Duration.ofSeconds(30))).isEqualTo(expected(4, down));
            assertThat(writer.join(Duration.ofSeconds(30))).isEqualTo(expected(5, up));
            rt.blockOn(Io.shutdown(client));
            assertThat(peer.get(30, SECONDS)).as("what we sent while answering the KeyUpdates").isEqualTo(expected(5, up));
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aTls12RenegotiationStartedByAJdkClientIsCarriedOut(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<Long> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, "TLSv1.2")).flatMap(TlsTestSupport::echo));
            if (engine == TlsEngine.BORINGSSL) {
                assertRenegotiationRefusedByABoringSslServer(l, server);
                return;
            }
            try (SSLSocket s = jdkClient(l.localAddress().getPort(), "TLSv1.2")) {
                AtomicInteger handshakes = new AtomicInteger();
                s.addHandshakeCompletedListener(e -> handshakes.incrementAndGet());
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write("before".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("before");
                await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.get() == 1);
                s.startHandshake(); // renegotiation: a new ClientHello on the established session
                out.write("after".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("after");
                TlsTestSupport.Digest big = TlsTestSupport.writeData(out, 6, MiB); // and the session still works
                assertThat(TlsTestSupport.readDigest(in, MiB)).isEqualTo(big);
                await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.get() == 2);
            }
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(11 + MiB);
        }
    }

    /** BoringSSL refuses renegotiation (TlsEngine): the JDK client gets a no_renegotiation alert. */
    private void assertRenegotiationRefusedByABoringSslServer(TcpListener l, JoinHandle<Long> server) throws Exception {
        try (SSLSocket s = jdkClient(l.localAddress().getPort(), "TLSv1.2")) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("before".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("before");
            s.startHandshake(); // renegotiation: a new ClientHello on the established session
            assertThatThrownBy(() -> {
                out.write("after".getBytes(StandardCharsets.US_ASCII));
                in.readNBytes(5);
            }).isInstanceOf(SSLException.class).hasMessageContaining("no_renegotiation");
        }
        assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                .rootCause().isInstanceOf(SSLException.class).hasMessageContaining("NO_RENEGOTIATION");
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aTls12RenegotiationStartedByAJdkServerIsCarriedOut(TlsEngine engine) throws Exception {
        try (SSLServerSocket ss = jdkServer("TLSv1.2")) {
            AtomicInteger handshakes = new AtomicInteger();
            CompletableFuture<String> peer = inThread(() -> {
                try (SSLSocket s = accept(ss)) {
                    s.addHandshakeCompletedListener(e -> handshakes.incrementAndGet());
                    InputStream in = s.getInputStream();
                    String first = new String(in.readNBytes(5), StandardCharsets.US_ASCII);
                    s.startHandshake(); // HelloRequest: asks the client to renegotiate
                    s.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
                    String second = new String(in.readNBytes(6), StandardCharsets.US_ASCII);
                    s.getOutputStream().write("done".getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.read()).as("the client's close_notify").isEqualTo(-1);
                    return first + second;
                }
            });
            TlsStream<TcpStream> client = rt.blockOn(connectTls(ss.getLocalPort(), TlsTestSupport.connector(engine, "TLSv1.2")));
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII))));
            if (engine == TlsEngine.BORINGSSL) {
                // BoringSSL refuses renegotiation (TlsEngine): the HelloRequest fails our read.
                assertThatThrownBy(() -> rt.blockOn(Io.readExact(client, ByteBuffer.allocate(2))))
                        .isInstanceOf(TaskFailedException.class).rootCause().isInstanceOf(SSLException.class);
                client.close();
                assertThat(peer.handle((v, t) -> v).get(30, SECONDS)).isNotEqualTo("hello world");
                return;
            }
            ByteBuffer ok = ByteBuffer.allocate(2);
            rt.blockOn(Io.readExact(client, ok));
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(" world".getBytes(StandardCharsets.US_ASCII))));
            ByteBuffer done = ByteBuffer.allocate(4);
            rt.blockOn(Io.readExact(client, done));
            rt.blockOn(Io.shutdown(client));
            assertThat(peer.get(30, SECONDS)).isEqualTo("hello world");
            await().atMost(Duration.ofSeconds(10)).until(() -> handshakes.get() == 2);
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void afterTheClientsCloseNotifyTls13StillLetsUsSendTheResponse(TlsEngine engine) throws Exception {
        long response = MiB;
        if (engine == TlsEngine.BORINGSSL) {
            assertTheClientsCloseNotifyClosesBothWays("TLSv1.3",
                    "this SSLEngine closes both directions when the peer closes (BoringSSL does");
            return;
        }
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsTestSupport.Digest> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, "TLSv1.3"))
                    .flatMap(tls -> TlsTestSupport.readAll(tls)
                            .flatMap(request -> TlsTestSupport.writeData(tls, 7, response, 16 * 1024))
                            .flatMap(d -> Io.shutdown(tls).map(v -> {
                                TlsTestSupport.closeQuietly(tls);
                                return d;
                            }))));
            try (SSLSocket s = jdkClient(l.localAddress().getPort(), "TLSv1.3")) {
                s.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput(); // close_notify: TLS 1.3 half-close
                assertThat(TlsTestSupport.readDigest(s.getInputStream(), -1)).isEqualTo(expected(7, response));
            }
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(expected(7, response));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void afterTheClientsCloseNotifyTls12RefusesFurtherWritesClearly(TlsEngine engine) throws Exception {
        if (engine == TlsEngine.BORINGSSL) {
            assertTheClientsCloseNotifyClosesBothWays("TLSv1.2", "TLSv1.2 closes both directions");
            return;
        }
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsTestSupport.Digest> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, "TLSv1.2"))
                    .flatMap(tls -> TlsTestSupport.closing(tls, TlsTestSupport.readAll(tls)
                            .flatMap(request -> TlsTestSupport.writeData(tls, 7, 1000, 1000)))));
            try (SSLSocket s = jdkClient(l.localAddress().getPort(), "TLSv1.2")) {
                s.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput(); // close_notify: in TLS 1.2 it closes the session both ways
                assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .rootCause().isInstanceOf(SSLException.class)
                        .hasMessageContaining("closed the TLS session (close_notify)")
                        .hasMessageContaining("TLSv1.2 closes both directions");
                assertThat(s.getInputStream().read()).as("our answering close_notify").isEqualTo(-1);
            }
        }
    }

    /**
     * BoringSSL closes both directions when the peer's close_notify arrives, in TLS 1.3 too, and frees its state
     * before the answering close_notify goes out (TlsEngine): the response write fails, saying why.
     */
    private void assertTheClientsCloseNotifyClosesBothWays(String protocol, String why) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            AtomicReference<TlsStream<TcpStream>> accepted = new AtomicReference<>();
            JoinHandle<TlsTestSupport.Digest> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(TlsEngine.BORINGSSL, protocol))
                    .flatMap(tls -> {
                        accepted.set(tls);
                        return TlsTestSupport.readAll(tls).flatMap(request -> TlsTestSupport.writeData(tls, 7, 1000, 1000));
                    }));
            try (SSLSocket s = jdkClient(l.localAddress().getPort(), protocol)) {
                s.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput(); // close_notify
                assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .rootCause().isInstanceOf(SSLException.class)
                        .hasMessageContaining("closed the TLS session (close_notify)").hasMessageContaining(why);
                // Before the socket's close, which in TLS 1.3 waits (up to SO_TIMEOUT) for a close_notify that
                // BoringSSL never sends: closing our side ends that wait with EOF.
                TlsTestSupport.closeQuietly(accepted.get());
            } finally {
                TlsTestSupport.closeQuietly(accepted.get());
            }
        }
    }
}
