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

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.CLIENT;
import static dev.spindle.tls.TlsTestSupport.IMPOSTOR;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static dev.spindle.tls.TlsTestSupport.connectTls;
import static dev.spindle.tls.TlsTestSupport.context;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Spindle client and Spindle server over loopback TCP: handshakes, ALPN, SNI, verification, client auth. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung blockOn fails, not hangs
class TlsHandshakeTest {
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = TlsTestSupport.runtime("tls-hs-" + System.nanoTime() + "-");
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void handshakeAndEchoWithAlpnAndSni(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(SERVER.serverContext()).engine(engine).protocols(protocol).alpn("h2", "http/1.1").build();
        TlsConnector connector = TlsConnector.builder(SERVER.trustContext()).engine(engine).protocols(protocol).alpn("http/1.1", "h2").build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            AtomicReference<TlsStream<TcpStream>> serverSide = new AtomicReference<>();
            JoinHandle<Long> server = rt.spawn(acceptTls(l, acceptor).flatMap(tls -> {
                serverSide.set(tls);
                return TlsTestSupport.echo(tls);
            }));
            long bytes = 1024 * 1024 + 17;
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), connector));
            assertThat(client.protocol()).isEqualTo(protocol);
            assertThat(client.applicationProtocol()).as("server preference wins").contains("h2");
            assertThat(client.peerCertificates()).containsExactly(SERVER.certificate());
            assertThat(client.sniHostName()).contains("localhost");
            assertThat(client.cipherSuite()).startsWith("TLS_");
            assertThat(client.isClientMode()).isTrue();

            Split.Halves<TlsStream<TcpStream>> halves = client.split();
            JoinHandle<TlsTestSupport.Digest> writer = rt.spawn(TlsTestSupport.writeData(halves.writer(), 1, bytes, 10_000)
                    .flatMap(d -> Io.shutdown(halves.writer()).map(v -> d)));
            JoinHandle<TlsTestSupport.Digest> reader = rt.spawn(TlsTestSupport.readDigest(halves.reader(), -1));
            assertThat(reader.join(Duration.ofSeconds(30))).isEqualTo(writer.join(Duration.ofSeconds(30)))
                    .isEqualTo(TlsTestSupport.expected(1, bytes));
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(bytes);

            TlsStream<TcpStream> s = serverSide.get();
            assertThat(s.sniHostName()).as("SNI seen by the server").contains("localhost");
            assertThat(s.applicationProtocol()).contains("h2");
            assertThat(s.protocol()).isEqualTo(protocol);
            assertThat(s.session().getCipherSuite()).isEqualTo(client.cipherSuite());
            assertThat(s.peerCertificates()).as("no client certificate was asked for").isEmpty();
            assertThat(s.isClientMode()).isFalse();
            client.close();
            client.close(); // idempotent
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void noSniIsSentForAnIpLiteralAndTheIpSanIsVerified(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            AtomicReference<TlsStream<TcpStream>> serverSide = new AtomicReference<>();
            JoinHandle<Long> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine)).flatMap(tls -> {
                serverSide.set(tls);
                return TlsTestSupport.echo(tls);
            }));
            int port = l.localAddress().getPort();
            TlsStream<TcpStream> client = rt.blockOn(TcpStream.connect(l.localAddress())
                    .flatMap(tcp -> TlsTestSupport.connector(engine).connect("127.0.0.1", port, tcp)));
            assertThat(client.sniHostName()).isEmpty();
            rt.blockOn(Io.shutdown(client));
            assertThat(rt.blockOn(TlsTestSupport.readAll(client))).isEmpty();
            server.join(Duration.ofSeconds(10));
            assertThat(serverSide.get().sniHostName()).isEmpty();
            assertThat(serverSide.get().applicationProtocol()).as("no ALPN configured").isEmpty();
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void hostnameVerificationRejectsACertificateForAnotherHost(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine)));
            int port = l.localAddress().getPort();
            assertThatThrownBy(() -> rt.blockOn(TcpStream.connect(l.localAddress())
                    .flatMap(tcp -> TlsTestSupport.connector(engine).connect("wrong.example", port, tcp))))
                    .isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("TLS handshake with wrong.example")
                    .hasMessageContaining("wrong.example found")
                    .cause().isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).as("the server hears the client's alert")
                    .isInstanceOf(TaskFailedException.class).rootCause().isInstanceOf(SSLException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void verificationCanBeTurnedOffForTests(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<Long> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine)).flatMap(TlsTestSupport::echo));
            int port = l.localAddress().getPort();
            TlsConnector lax = TlsConnector.builder(SERVER.trustContext()).engine(engine).verifyHostname(false).build();
            TlsStream<TcpStream> client = rt.blockOn(TcpStream.connect(l.localAddress())
                    .flatMap(tcp -> lax.connect("wrong.example", port, tcp)));
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(new byte[]{1, 2, 3})).flatMap(v -> Io.shutdown(client)));
            assertThat(rt.blockOn(TlsTestSupport.readAll(client))).containsExactly(1, 2, 3);
            server.join(Duration.ofSeconds(10));
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void anUntrustedServerCertificateIsRejected(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            TlsAcceptor impostor = TlsAcceptor.builder(IMPOSTOR.serverContext()).engine(engine).build();
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, impostor));
            assertThatThrownBy(() -> rt.blockOn(connectTls(l.localAddress().getPort(), TlsTestSupport.connector(engine))))
                    .isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("TLS handshake with localhost")
                    .hasMessageContaining("PKIX path")
                    .cause().isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void noCommonAlpnProtocolFailsTheHandshake(TlsEngine engine) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l,
                    TlsAcceptor.builder(SERVER.serverContext()).engine(engine).alpn("h2").build()));
            TlsConnector connector = TlsConnector.builder(SERVER.trustContext()).engine(engine).alpn("spdy/3").build();
            if (engine == TlsEngine.JDK) {
                assertThatThrownBy(() -> rt.blockOn(connectTls(l.localAddress().getPort(), connector)))
                        .isInstanceOf(TaskFailedException.class).rootCause().isInstanceOf(SSLException.class)
                        .hasMessageContaining("no_application_protocol");
            } else {
                // BoringSSL cannot send the alert: the server closes the connection, which the client sees.
                assertThatThrownBy(() -> rt.blockOn(connectTls(l.localAddress().getPort(), connector)))
                        .isInstanceOf(TaskFailedException.class).rootCause().isInstanceOf(IOException.class);
            }
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .rootCause().isInstanceOf(SSLException.class).hasMessageContaining("no_application_protocol");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void clientAuthNeedAcceptsATrustedClientCertificate(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER, CLIENT)).engine(engine).clientAuth(ClientAuth.NEED)
                .protocols(protocol).build();
        TlsConnector connector = TlsConnector.builder(context(CLIENT, SERVER)).engine(engine).protocols(protocol).build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            AtomicReference<TlsStream<TcpStream>> serverSide = new AtomicReference<>();
            JoinHandle<Long> server = rt.spawn(acceptTls(l, acceptor).flatMap(tls -> {
                serverSide.set(tls);
                return TlsTestSupport.echo(tls);
            }));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), connector));
            rt.blockOn(Io.writeAll(client, ByteBuffer.wrap("hi".getBytes())).flatMap(v -> Io.shutdown(client)));
            assertThat(new String(rt.blockOn(TlsTestSupport.readAll(client)))).isEqualTo("hi");
            server.join(Duration.ofSeconds(10));
            assertThat(serverSide.get().peerCertificates()).containsExactly(CLIENT.certificate());
            client.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void clientAuthNeedRejectsAnUntrustedClientCertificate(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER, CLIENT)).engine(engine).clientAuth(ClientAuth.NEED)
                .protocols(protocol).build();
        TlsConnector connector = TlsConnector.builder(context(IMPOSTOR, SERVER)).engine(engine).protocols(protocol).build();
        assertClientRejected(acceptor, connector);
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void clientAuthNeedRejectsAClientWithoutCertificate(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER, CLIENT)).engine(engine).clientAuth(ClientAuth.NEED).build();
        assertClientRejected(acceptor, TlsTestSupport.connector(engine));
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void clientAuthWantAcceptsAClientWithoutCertificate(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = TlsAcceptor.builder(context(SERVER, CLIENT)).engine(engine).clientAuth(ClientAuth.WANT).build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, acceptor));
            TlsStream<TcpStream> client = rt.blockOn(connectTls(l.localAddress().getPort(), TlsTestSupport.connector(engine)));
            TlsStream<TcpStream> s = server.join(Duration.ofSeconds(10));
            assertThat(s.peerCertificates()).isEmpty();
            client.close();
            s.close();
        }
    }

    /**
     * The server must fail. The client may learn it in the handshake (TLS 1.2) or only at its first read (in
     * TLS 1.3 the client's handshake is over before the server checks its certificate).
     */
    private void assertClientRejected(TlsAcceptor acceptor, TlsConnector connector) throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(acceptTls(l, acceptor));
            JoinHandle<byte[]> client = rt.spawn(connectTls(l.localAddress().getPort(), connector)
                    .flatMap(tls -> TlsTestSupport.closing(tls, TlsTestSupport.readAll(tls))));
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause().isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> client.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .rootCause().isInstanceOf(SSLException.class);
        }
    }
}
