package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.http.HttpConnection;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.perf.servers.kit.TlsAcceptors;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * HTTPS hello: the {@link HelloHttpServer} behind TLS. Each accepted connection is one task that runs the server
 * handshake and then the same {@link HttpConnection} state machine as the plain server, over the TLS stream (see
 * {@code dev.spindle.perf.servers.kit.HandshakeThen}): the same routes, keep-alive, pipelining, limits and byte-exact responses, so the two
 * differ only by TLS. ALPN selects {@value #ALPN} when the client offers it (curl and browsers offer
 * {@code h2} first; we select what we speak); a client that offers only protocols we do not speak is refused in
 * the handshake, and a client that offers none gets HTTP/1.1 anyway.
 *
 * <p>Closing: where the plain server shuts down its write side after the last response, this one sends
 * close_notify and then shuts down TCP's write side ({@code TlsStream.pollShutdown}), and reads what the client
 * still sends until the client's close_notify (or for at most the linger time of {@link HttpConnection}).
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.HttpsHelloServer [--cert-dir DIR] [--protocol TLSv1.3|TLSv1.2]
 *                                                          [--engine jdk|boringssl] [--port P] [--host H] [--workers N]
 * </pre>
 * The TLS options are those of {@link TlsEchoServer}: without {@code --cert-dir} the server makes a self-signed
 * certificate for {@code localhost} and {@code 127.0.0.1} and prints its fingerprint on stderr
 * ({@link TlsAcceptors}); {@code --engine boringssl} ({@link TlsEngine#BORINGSSL}) needs Conscrypt on the class
 * path and {@code --enable-native-access=ALL-UNNAMED}. Prints {@code listening on 127.0.0.1:PORT} once bound and
 * serves until stopped (see {@link ServerCli}); then
 * {@code curl --cacert cert.pem https://localhost:PORT/hello} says hello.
 */
public final class HttpsHelloServer {
    /** The one application protocol this server speaks, as ALPN names it. */
    public static final String ALPN = "http/1.1";

    private HttpsHelloServer() {
    }

    /**
     * Binds {@code bind} and serves HTTP over TLS on {@code runtime} (which must have the I/O driver:
     * {@code SpindleRuntime.builder()}), with the handshakes made by {@code acceptor}. Build the acceptor with
     * {@code .alpn(HttpsHelloServer.ALPN)} so that clients that negotiate the protocol (curl, browsers) learn it
     * is HTTP/1.1.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, TlsAcceptor acceptor)
            throws IOException {
        return ServerHandle.startTls(runtime, bind, "HTTPS server", acceptor, tls -> new HttpConnection<>(tls, tls));
    }

    public static void main(String[] args) {
        ServerCli.run("https-hello-server", args, ServerCli.Kind.TLS, (runtime, options) ->
                start(runtime, options.bind(), TlsAcceptors.fromOptions(options.tls(), System.err, ALPN)));
    }
}
