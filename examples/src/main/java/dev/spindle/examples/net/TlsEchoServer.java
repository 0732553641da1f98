package dev.spindle.examples.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.Certificates;
import dev.spindle.tls.SelfSigned;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsEngine;
import dev.spindle.tls.TlsStream;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * A TLS echo server: the {@link EchoServer} behind a TLS handshake. Each accepted connection is one task that
 * runs the server handshake ({@link TlsAcceptor#accept}) and then the same {@link EchoConnection} state machine
 * as the plain server, over the {@link TlsStream}: every byte of plaintext comes back; after the client's
 * close_notify the server sends what it still owes (JDK engine; BoringSSL closes both directions at once, see
 * {@link TlsEngine}) and its own close_notify, and closes.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.TlsEchoServer [--cert-dir DIR] [--protocol TLSv1.3|TLSv1.2]
 *                                                       [--engine jdk|boringssl] [--port P] [--host H] [--workers N]
 * </pre>
 * {@code DIR} holds {@code cert.pem} (the chain, leaf first) and {@code key.pem} (PKCS#8 or traditional PEM).
 * Without {@code --cert-dir} the server makes a self-signed ECDSA P-256 certificate for {@code localhost} and
 * {@code 127.0.0.1} at start-up and prints its SHA-256 fingerprint on stderr, so it runs with no set-up:
 * {@code openssl s_client -connect 127.0.0.1:PORT} then talks to it (and shows the same fingerprint). Only the
 * one protocol version given is enabled (default TLSv1.3). {@code --engine boringssl} uses
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
     * {@code Io.runtimeBuilder()}), with the handshakes made by {@code acceptor}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, TlsAcceptor acceptor)
            throws IOException {
        return ServerHandle.start(runtime, bind, "TLS echo server", tcp -> new Connection(acceptor.accept(tcp)));
    }

    /**
     * The acceptor the command line asks for: the certificate and key of {@code tls} (or a fresh self-signed
     * pair, whose fingerprint goes to {@code notes}), one protocol version, the engine asked for. Key material
     * that cannot be read, or a BoringSSL engine that cannot load (no Conscrypt on the class path, no native
     * library for this platform), is a start-up failure with the reason, like a port that is taken.
     */
    static TlsAcceptor acceptor(ServerCli.TlsOptions tls, PrintStream notes) throws IOException {
        SSLContext context;
        if (tls.selfSigned()) {
            SelfSigned generated = SelfSigned.generate(SelfSigned.KeyType.EC_P256, "localhost");
            notes.println("no --cert-dir: serving a self-signed certificate for " + generated.hostNames()
                    + " and 127.0.0.1, SHA-256 fingerprint " + fingerprint(generated.certificate()));
            context = generated.serverContext();
        } else {
            try {
                context = Certificates.keyContext(tls.certificate(), tls.privateKey());
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot use " + tls.certificate() + " and " + tls.privateKey() + ": "
                        + e.getMessage(), e);
            }
        }
        try {
            return TlsAcceptor.builder(context).protocols(tls.protocol()).engine(tls.engine()).build();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IOException("engine " + tls.engine() + ": " + e.getMessage(), e);
        }
    }

    /** The certificate's SHA-256 fingerprint as {@code openssl x509 -fingerprint -sha256} prints it. */
    static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            // SHA-256 is a required algorithm of every JDK and the certificate was just made: neither can fail.
            throw new IllegalStateException(e);
        }
    }

    public static void main(String[] args) {
        ServerCli.run("tls-echo-server", args, ServerCli.Kind.TLS,
                (runtime, options) -> start(runtime, options.bind(), acceptor(options.tls(), System.err)));
    }

    /**
     * One connection: the handshake, then the echo. Not {@code handshake.flatMap(...)}: a failed handshake must
     * end the task quietly instead of failing it, as any client that goes away ends a plain echo connection.
     * Owned by the task polling it.
     */
    private static final class Connection implements Future<Void> {
        private static final System.Logger LOG = System.getLogger(TlsEchoServer.class.getPackageName());

        private Future<TlsStream<TcpStream>> handshake;
        private EchoConnection<TlsStream<TcpStream>> echo;

        Connection(Future<TlsStream<TcpStream>> handshake) {
            this.handshake = handshake;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            if (echo == null) {
                Poll<TlsStream<TcpStream>> done;
                try {
                    done = handshake.poll(cx);
                } catch (UncheckedIOException e) {
                    // The handshake has closed the connection already.
                    LOG.log(System.Logger.Level.DEBUG, () -> "TLS handshake failed: " + e.getCause().getMessage());
                    handshake = null;
                    return Poll.readyNull();
                }
                if (done.isPending()) {
                    return Poll.pending();
                }
                handshake = null;
                TlsStream<TcpStream> stream = done.value();
                echo = new EchoConnection<>(stream, stream);
            }
            return echo.poll(cx);
        }

        @Override
        public void cancel() {
            if (echo != null) {
                echo.cancel();
            } else if (handshake != null) {
                handshake.cancel(); // closes the connection
            }
        }
    }
}
