package dev.spindle.perf.servers.kit;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsStream;

import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * One connection of a TLS server: the server handshake, then the server's protocol over the {@link TlsStream}
 * (an echo, HTTP, a relay), in the same task. Shared by {@code TlsEchoServer}, {@code HttpsHelloServer} and
 * {@code TlsTerminatingProxy} through {@link ServerHandle#startTls}.
 *
 * <h2>States</h2>
 * <pre>
 *   HANDSHAKING  handshake != null: {@link TlsAcceptor#accept} is in progress
 *   SERVING      protocol != null: every poll goes to the protocol's future, until it completes
 *   DONE         a failed handshake (the handshake closed the socket) or the protocol completed
 * </pre>
 * Not {@code handshake.flatMap(...)}: a failed handshake (a client that is not TLS, does not trust the
 * certificate, offers no ALPN protocol we speak, or goes away) must end the task quietly, logged at DEBUG,
 * instead of failing it, as a reset ends a plain connection: for a server that is ordinary. All fields are owned
 * by the task polling this future.
 */
final class HandshakeThen implements Future<Void> {
    private static final System.Logger LOG = System.getLogger(HandshakeThen.class.getPackageName());

    private final Function<TlsStream<TcpStream>, Future<Void>> protocolFactory;
    private Future<TlsStream<TcpStream>> handshake;
    private Future<Void> protocol;

    /**
     * @param handshake       the server handshake on the accepted socket
     * @param protocolFactory makes the protocol's future once the handshake is done; it owns the stream from
     *                        then on (closes it when it ends or is cancelled)
     */
    HandshakeThen(Future<TlsStream<TcpStream>> handshake,
                  Function<TlsStream<TcpStream>, Future<Void>> protocolFactory) {
        this.handshake = handshake;
        this.protocolFactory = protocolFactory;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (protocol == null) {
            if (handshake == null) {
                throw new IllegalStateException("TLS connection polled after its handshake failed");
            }
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
            protocol = protocolFactory.apply(done.value());
        }
        return protocol.poll(cx);
    }

    @Override
    public void cancel() {
        if (protocol != null) {
            protocol.cancel();
        } else if (handshake != null) {
            handshake.cancel(); // closes the connection
        }
    }
}
