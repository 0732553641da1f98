package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.EnginePeer;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.causeMessages;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An acceptor serving several host names on one port ({@code serverName(name, context)}): the certificate each
 * client gets, by the name it asks for; refusing unknown names; ClientHellos that arrive in pieces, stall, or are
 * no ClientHello at all. Every test runs over both engines.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsServerNamesTest {
    private static final SelfSigned API = SelfSigned.generate("api.test");
    private static final SelfSigned WILD = SelfSigned.generate("*.wild.test");
    /** Trusts every certificate served here, so a client sees which one it got instead of failing. */
    private static final SSLContext TRUST_ALL_THREE = trustAll();

    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = TlsTestSupport.runtime("tls-sni-" + System.nanoTime() + "-");
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    private static SSLContext trustAll() {
        try {
            return Certificates.contextBuilder().trust(SERVER).trust(API).trust(WILD).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static TlsAcceptor.Builder namedAcceptor(TlsEngine engine) {
        return TlsAcceptor.builder(SERVER.serverContext()).engine(engine)
                .serverName("API.test.", API.serverContext()) // case and a trailing dot do not matter
                .serverName("*.wild.test", WILD.serverContext());
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void eachClientGetsTheCertificateOfTheNameItAsksFor(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = namedAcceptor(engine).protocols(protocol).alpn("h2", "http/1.1").build();
        TlsConnector connector = TlsConnector.builder(TRUST_ALL_THREE).engine(engine).protocols(protocol)
                .alpn("http/1.1").build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            assertServedWith(l, acceptor, connector, "api.test", API.certificate(), "api.test");
            assertServedWith(l, acceptor, connector, "Api.Test", API.certificate(), "api.test");
            assertServedWith(l, acceptor, connector, "x.wild.test", WILD.certificate(), "x.wild.test");
            // Names no entry matches: the default context. (The client checks the host name, so these are names
            // the default certificate is not for: the client refuses it, having seen it.)
            TlsConnector unchecked = TlsConnector.builder(TRUST_ALL_THREE).engine(engine).protocols(protocol)
                    .verifyHostname(false).build();
            assertServedWith(l, acceptor, unchecked, "other.test", SERVER.certificate(), "other.test");
            assertServedWith(l, acceptor, unchecked, "a.b.wild.test", SERVER.certificate(), "a.b.wild.test");
            assertServedWith(l, acceptor, unchecked, "wild.test", SERVER.certificate(), "wild.test");
            assertServedWith(l, acceptor, unchecked, "127.0.0.1", SERVER.certificate(), null); // no SNI at all
        }
    }

    /** Connects as {@code host}; asserts the certificate, the name the server saw, ALPN, and an echo. */
    private void assertServedWith(TcpListener l, TlsAcceptor acceptor, TlsConnector connector, String host,
                                  X509Certificate expected, String nameSeen) throws Exception {
        AtomicReference<TlsStream<TcpStream>> serverSide = new AtomicReference<>();
        JoinHandle<Long> server = rt.spawn(TlsTestSupport.acceptTls(l, acceptor).flatMap(tls -> {
            serverSide.set(tls);
            return TlsTestSupport.echo(tls);
        }));
        int port = l.localAddress().getPort();
        TlsStream<TcpStream> client = rt.blockOn(TcpStream.connect(new InetSocketAddress("127.0.0.1", port))
                .flatMap(tcp -> connector.connect(host, port, tcp)));
        assertThat(client.peerCertificates()).as("certificate for %s", host).containsExactly(expected);
        rt.blockOn(Io.writeAll(client, ByteBuffer.wrap(host.getBytes())).flatMap(v -> Io.shutdown(client)));
        assertThat(new String(rt.blockOn(TlsTestSupport.readAll(client)))).isEqualTo(host);
        assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(host.length());
        if (nameSeen == null) {
            assertThat(serverSide.get().sniHostName()).isEmpty();
        } else {
            assertThat(serverSide.get().sniHostName()).map(String::toLowerCase).contains(nameSeen);
        }
        if (!client.applicationProtocol().isEmpty()) {
            assertThat(serverSide.get().applicationProtocol()).contains("http/1.1");
        }
        client.close();
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void anUnknownNameIsRefusedWithUnrecognizedName(TlsEngine engine, String protocol) throws Exception {
        TlsAcceptor acceptor = namedAcceptor(engine).protocols(protocol).rejectUnknownServerNames(true).build();
        TlsConnector connector = TlsConnector.builder(TRUST_ALL_THREE).engine(engine).protocols(protocol)
                .verifyHostname(false).build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            int port = l.localAddress().getPort();
            for (String host : new String[]{"other.test", "127.0.0.1"}) {
                JoinHandle<TlsStream<TcpStream>> server = rt.spawn(TlsTestSupport.acceptTls(l, acceptor));
                assertThatThrownBy(() -> rt.blockOn(TcpStream.connect(new InetSocketAddress("127.0.0.1", port))
                        .flatMap(tcp -> connector.connect(host, port, tcp))))
                        .satisfies(e -> assertThat(causeMessages(e)).as("the client's error")
                                .containsIgnoringCase("unrecognized_name"));
                assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .cause().isInstanceOf(UncheckedIOException.class)
                        .cause().isInstanceOf(SSLHandshakeException.class)
                        .hasMessageContaining(host.equals("127.0.0.1") ? "named no server (no SNI)" : "'other.test'")
                        .hasMessageContaining("api.test, *.wild.test")
                        .hasMessageContaining("rejectUnknownServerNames");
            }
            // A known name still gets in.
            assertServedWith(l, acceptor, connector, "api.test", API.certificate(), "api.test");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aClientHelloDeliveredOneByteAtATimeStillGetsItsCertificate(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = namedAcceptor(engine).build();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK);
             Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort());
             EnginePeer peer = EnginePeer.client(TRUST_ALL_THREE, raw, "TLSv1.2")) {
            raw.setTcpNoDelay(true);
            JoinHandle<Long> server = rt.spawn(TlsTestSupport.acceptTls(l, acceptor).flatMap(TlsTestSupport::echo));
            peer.serverName("x.wild.test").handshakeDrippingFirstFlight(1); // the ClientHello one byte per write
            assertThat(peer.engine.getSession().getPeerCertificates()[0]).isEqualTo(WILD.certificate());
            peer.send(peer.wrap("drip".getBytes()));
            assertThat(new String(peer.readPlain(4))).isEqualTo("drip");
            peer.send(peer.closeNotify());
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aClientThatStallsInItsClientHelloTimesOut(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = namedAcceptor(engine).handshakeTimeout(Duration.ofMillis(300)).build();
        byte[] hello = TlsTestSupport.clientHello(TlsEngine.JDK, "TLSv1.3", "api.test");
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK);
             Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort())) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(TlsTestSupport.acceptTls(l, acceptor));
            raw.getOutputStream().write(hello, 0, hello.length / 2);
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause()
                    .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("timed out");
            raw.setSoTimeout(10_000);
            assertThat(raw.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void aClientClosingInItsClientHelloFailsTheAccept(TlsEngine engine) throws Exception {
        TlsAcceptor acceptor = namedAcceptor(engine).build();
        byte[] hello = TlsTestSupport.clientHello(TlsEngine.JDK, "TLSv1.3", "api.test");
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK);
             Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort())) {
            JoinHandle<TlsStream<TcpStream>> server = rt.spawn(TlsTestSupport.acceptTls(l, acceptor));
            raw.getOutputStream().write(hello, 0, 100);
            raw.shutdownOutput();
            assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UncheckedIOException.class).cause()
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("closed before the ClientHello was complete (100 bytes received)");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void bytesThatAreNoClientHelloGetTheEnginesOwnErrorOrDecodeErrorWhenRejecting(TlsEngine engine)
            throws Exception {
        byte[] garbage = "GET / HTTP/1.1\r\nHost: api.test\r\n\r\n".getBytes();
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            // Without rejection, the default engine reads the bytes and fails as it would with no server names.
            try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort())) {
                JoinHandle<TlsStream<TcpStream>> server = rt.spawn(TlsTestSupport.acceptTls(l, namedAcceptor(engine).build()));
                raw.getOutputStream().write(garbage);
                assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .rootCause().isInstanceOf(javax.net.ssl.SSLException.class);
            }
            // With rejection, nobody's certificate is shown: a decode_error alert, then the connection closes.
            try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort())) {
                JoinHandle<TlsStream<TcpStream>> server = rt.spawn(TlsTestSupport.acceptTls(l,
                        namedAcceptor(engine).rejectUnknownServerNames(true).build()));
                raw.getOutputStream().write(garbage);
                raw.setSoTimeout(10_000);
                InputStream in = raw.getInputStream();
                assertThat(in.readAllBytes()).containsExactly(21, 3, 3, 0, 2, 2, 50);
                assertThatThrownBy(() -> server.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                        .rootCause().isInstanceOf(SSLHandshakeException.class)
                        .hasMessageContaining("not a ClientHello (the first record is not a handshake record (type 71))");
            }
        }
    }

    @Test
    void badServerNameSettingsAreRefusedWhenSet() {
        TlsAcceptor.Builder b = TlsAcceptor.builder(SERVER.serverContext());
        for (String bad : new String[]{"", "a..b", "-a.test", "a b.test", "*.test.*", "*.com", "a.*.test", "*"}) {
            assertThatThrownBy(() -> b.serverName(bad, API.serverContext())).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a DNS host name");
        }
        b.serverName("api.test", API.serverContext());
        assertThatThrownBy(() -> b.serverName("API.TEST", API.serverContext()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        b.serverName("bücher.test", API.serverContext()); // an IDN is kept as clients send it, in its xn-- form
        assertThatThrownBy(() -> b.serverName("xn--bcher-kva.test", API.serverContext()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> TlsAcceptor.builder(SERVER.serverContext()).rejectUnknownServerNames(true).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs at least one serverName");
    }
}
