package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;
import dev.spindle.perf.servers.kit.TlsAcceptors;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.TlsStream;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A TLS echo server: the {@link EchoServer} behind a TLS handshake. Each accepted connection is one task that
 * runs the server handshake ({@link TlsAcceptor#accept}) and then the same {@link EchoConnection} state machine
 * as the plain server, over the {@link TlsStream} (see {@code dev.spindle.perf.servers.kit.HandshakeThen}): every byte of plaintext comes
 * back; after the client's close_notify the server sends what it still owes (JDK engine; BoringSSL closes both
 * directions at once, see {@link TlsEngine}) and its own close_notify, and closes.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.TlsEchoServer [--cert-dir DIR] [--protocol TLSv1.3|TLSv1.2]
 *                                                       [--engine jdk|boringssl] [--port P] [--host H] [--workers N]
 * </pre>
 * {@code DIR} holds {@code cert.pem} (the chain, leaf first) and {@code key.pem} (PKCS#8 or traditional PEM).
 * Without {@code --cert-dir} the server makes a self-signed ECDSA P-256 certificate for {@code localhost} and
 * {@code 127.0.0.1} at start-up and prints its SHA-256 fingerprint on stderr ({@link TlsAcceptors}), so it runs
 * with no set-up: {@code openssl s_client -connect 127.0.0.1:PORT} then talks to it (and shows the same
 * fingerprint). Only the one protocol version given is enabled (default TLSv1.3). {@code --engine boringssl} uses
 * {@link TlsEngine#BORINGSSL}, which needs Conscrypt on the class path and
 * {@code --enable-native-access=ALL-UNNAMED}. Prints {@code listening on 127.0.0.1:PORT} once bound and serves
 * until stopped; see {@link ServerCli} for the exit codes and the clean shutdown.
 *
 * <p>A handshake that fails (a client that is not TLS, does not trust the certificate, or goes away) ends its
 * connection quietly, logged at DEBUG, as a reset ends a plain echo connection: for a server that is ordinary.
 */
public final class TlsEchoServer {
    private TlsEchoServer() {
    }

    /**
     * Binds {@code bind} and serves TLS echo connections on {@code runtime} (which must have the I/O driver:
     * {@code SpindleRuntime.builder()}), with the handshakes made by {@code acceptor}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, TlsAcceptor acceptor)
            throws IOException {
        return ServerHandle.startTls(runtime, bind, "TLS echo server", acceptor, tls -> new EchoConnection<>(tls, tls));
    }

    public static void main(String[] args) {
        ServerCli.run("tls-echo-server", args, ServerCli.Kind.TLS, (runtime, options) ->
                start(runtime, options.bind(), TlsAcceptors.fromOptions(options.tls(), System.err)));
    }
}
