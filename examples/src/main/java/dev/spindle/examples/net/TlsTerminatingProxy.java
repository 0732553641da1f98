package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.perf.servers.kit.TlsAcceptors;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TLS-terminating proxy: accepts TLS connections and relays their plaintext to one plain TCP upstream, with
 * half-closes passed both ways. Each client is one task: the server handshake, then a connect to the upstream and
 * {@link dev.spindle.io.Io#copyBidirectional} between the TLS stream and the upstream socket, the same
 * {@link RelayConnection} as {@link TcpRelay} (see {@code dev.spindle.perf.servers.kit.HandshakeThen}).
 *
 * <h2>Ends of stream</h2>
 * <ul>
 *   <li>The client's close_notify ends the client-to-upstream direction: the upstream receives exactly the
 *       plaintext sent before it, then EOF (a TCP half-close). The other direction goes on: what the upstream
 *       still sends reaches the client (in TLS 1.3 with the JDK engine; BoringSSL and TLS 1.2 close both
 *       directions at close_notify, and then the relay ends when the upstream next writes or ends, see
 *       {@link TlsEngine}).</li>
 *   <li>The upstream's EOF ends the other direction: the proxy sends close_notify, then half-closes TCP, and
 *       keeps relaying what the client still sends until its close_notify.</li>
 *   <li>A client whose TCP connection ends without close_notify has been cut short (or attacked by truncation):
 *       that is an error, not a half-close, and the relay closes both connections at once instead of waiting
 *       for the upstream's answer. An upstream that cannot be reached closes the client's connection after the
 *       handshake.</li>
 * </ul>
 *
 * <h2>The incident this proxy is built against</h2>
 * A widely deployed proxy on another runtime spent whole CPUs on connections in exactly this shape: a TLS client
 * sent data and close_notify while data was still buffered, then more bytes (records after close_notify, or
 * garbage), and kept its TCP connection open. The proxy's TLS stream kept waking its task with nothing to do,
 * and the task was polled in a tight loop until the connection died. Here the same sequence forwards exactly the
 * data before close_notify, half-closes the upstream, and then costs nothing: {@code TlsStream} returns
 * {@code -1} after close_notify forever and never reads the socket for input again, so nothing that arrives
 * afterwards can wake the task ({@code TlsTerminatingProxyTest} replays the sequence and measures the workers'
 * CPU time). The connection stays open for the upstream-to-client direction until the upstream ends it.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.TlsTerminatingProxy --upstream HOST:PORT [--cert-dir DIR]
 *        [--protocol TLSv1.3|TLSv1.2] [--engine jdk|boringssl] [--port P] [--host H] [--workers N]
 * </pre>
 * The TLS options are those of {@link TlsEchoServer} ({@link TlsAcceptors}: a self-signed certificate without
 * {@code --cert-dir}; BoringSSL needs Conscrypt and {@code --enable-native-access=ALL-UNNAMED}). No ALPN is
 * negotiated: the proxy does not know the upstream's protocol. Prints {@code listening on 127.0.0.1:PORT} once
 * bound and serves until stopped (see {@link ServerCli}).
 */
public final class TlsTerminatingProxy {
    private TlsTerminatingProxy() {
    }

    /**
     * Binds {@code bind} and relays the plaintext of every TLS connection (handshakes made by {@code acceptor})
     * to {@code upstream}, on {@code runtime} (which must have the I/O driver: {@code SpindleRuntime.builder()}).
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, TlsAcceptor acceptor,
                                     InetSocketAddress upstream) throws IOException {
        Objects.requireNonNull(upstream, "upstream");
        return ServerHandle.startTls(runtime, bind, "TLS proxy to " + upstream, acceptor,
                tls -> new RelayConnection<>(tls, tls.transport(), upstream));
    }

    public static void main(String[] args) {
        ServerCli.run("tls-terminating-proxy", args, ServerCli.Kind.TLS_RELAY, (runtime, options) -> start(runtime,
                options.bind(), TlsAcceptors.fromOptions(options.tls(), System.err), options.upstream()));
    }
}
