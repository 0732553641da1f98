package dev.spindle.tls.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpStream;
import dev.spindle.testing.peers.Peers;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsConnector;
import dev.spindle.tls.TlsStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.containers.GenericContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an interop test class shares between its tests, registered as a static extension
 * ({@code @RegisterExtension static final PeerFixture PEER = ...}): Docker is checked (the class is skipped, or
 * fails under CI, as {@link Peers#requireDocker()} decides), then a Spindle runtime is made and, for a class that
 * tests the Spindle client, one peer container is started that serves on some ports; all of it is closed after
 * the class's last test. A {@code @ParameterizedClass} runs its tests over both engines within one such set-up:
 * the containers do not depend on the engine.
 *
 * <p>Every stream {@link #connect} made is closed after its test, however the test ended: most servers here
 * (s_server, gnutls-serv) serve one connection at a time, so a stream left open by a failed assertion would
 * stall every later test of the class in its handshake instead of letting them report their own results.
 */
final class PeerFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** How long a client peer may run: less than the test classes' timeouts, so a hang fails with its output. */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(45);

    private final String name;
    /** The server peer's {@code sh -c} script, or null for a class whose peers are clients started per test. */
    private final String script;
    private final Map<String, String> files;
    private final int[] ports;
    private SpindleRuntime rt;
    private GenericContainer<?> peer;
    /** What {@link #connect} made during the current test; the test's thread only. */
    private final List<TlsStream<TcpStream>> opened = new ArrayList<>();

    private PeerFixture(String name, String script, Map<String, String> files, int[] ports) {
        this.name = name;
        this.script = script;
        this.files = files;
        this.ports = ports;
    }

    /** For a class whose peers are clients, one container per test ({@link #runPeer}): a runtime only. */
    static PeerFixture clients(String name) {
        return new PeerFixture(name, null, Map.of(), new int[0]);
    }

    /**
     * For a class that tests the Spindle client: {@code sh -c script} in one container with {@code files} copied
     * in, ready once every one of {@code ports} on 127.0.0.1 accepts connections (allocate them with
     * {@link #freePort()}).
     */
    static PeerFixture server(String name, String script, Map<String, String> files, int... ports) {
        return new PeerFixture(name, script, files, ports.clone());
    }

    /** A port that was free a moment ago, for a server peer to listen on. */
    static int freePort() {
        try {
            return Peers.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Peers.requireDocker();
        if (script != null) {
            peer = Peers.listening(script, files, ports);
        }
        rt = Interop.runtime(name);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            for (TlsStream<TcpStream> tls : opened) {
                tls.close(); // a no-op for the streams the test closed itself
            }
        } finally {
            opened.clear();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (peer != null) {
            peer.close();
            peer = null;
        }
        if (rt != null) {
            rt.close();
            rt = null;
        }
    }

    SpindleRuntime rt() {
        return rt;
    }

    /** What the server peer printed so far. */
    String logs() {
        return peer.getLogs();
    }

    /** A TCP connection to 127.0.0.1:{@code port} and a TLS handshake with it as {@code host}. */
    TlsStream<TcpStream> connect(TlsConnector connector, String host, int port) {
        TlsStream<TcpStream> tls = Interop.connect(rt, connector, host, port);
        opened.add(tls);
        return tls;
    }

    /** {@code GET path} through {@link Interop#httpGet}: the whole answer, which must end with close_notify. */
    String httpGet(TlsStream<TcpStream> tls, String host, String path) {
        return Interop.httpGet(rt, tls, host, path);
    }

    /** Connects to {@code port} as {@code host} and does {@code GET path} ({@link #httpGet(TlsStream, String, String)}). */
    String httpGet(TlsConnector connector, String host, int port, String path) {
        return httpGet(connect(connector, host, port), host, path);
    }

    /** A Spindle server on this runtime, for a client peer to connect to. */
    SpindleTlsServer serve(TlsAcceptor acceptor, SpindleTlsServer.Mode mode) throws IOException {
        return SpindleTlsServer.start(rt, acceptor, mode);
    }

    /** Runs a client peer's script (within {@link #PEER_TIMEOUT}) with the PKI under /peer; its output. */
    String runPeer(String clientScript) {
        return runPeer(clientScript, PEER_TIMEOUT);
    }

    String runPeer(String clientScript, Duration timeout) {
        return Peers.runToCompletion(clientScript, timeout, Interop.pkiFiles());
    }
}
