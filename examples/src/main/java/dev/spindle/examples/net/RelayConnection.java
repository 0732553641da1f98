package dev.spindle.examples.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Io;
import dev.spindle.net.TcpStream;
import dev.spindle.perf.servers.kit.Connections;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One relayed client: connect to the upstream, then copy both ways with {@link Io#copyBidirectional} until
 * both directions have ended, then close both connections. The client is the accepted socket itself
 * ({@link TcpRelay}) or the TLS stream over it ({@link TlsTerminatingProxy}); the upstream is always plain TCP.
 *
 * <h2>States</h2>
 * <pre>
 *   CONNECTING  connect != null: the upstream connect is in progress (bounded by {@link #CONNECT_TIMEOUT})
 *   COPYING     copy != null: bytes flow both ways; one side's EOF half-closes the other side's output,
 *               so a half-close travels end to end (over TLS: the client's close_notify half-closes the
 *               upstream, and the upstream's EOF makes the relay send close_notify, then a TCP half-close)
 *   DONE        both connections closed
 * </pre>
 * A failed connect is logged at WARNING (the relay is misconfigured or the upstream is down, which an
 * operator wants to know) and closes the client, which reads EOF. Errors while copying (a reset from either
 * side, a TLS client that ends without close_notify) are ordinary and logged at DEBUG. All fields are owned by
 * the task polling this future.
 *
 * @param <C> the client's byte stream, closed when the relay ends
 */
// "try": C is closed with try-with-resources and AutoCloseable.close() may throw InterruptedException in
// general; TcpStream and TlsStream never do.
@SuppressWarnings("try")
final class RelayConnection<C extends AsyncRead & AsyncWrite & AutoCloseable> implements Future<Void> {
    private static final System.Logger LOG = System.getLogger(RelayConnection.class.getPackageName());
    /** An upstream that drops SYNs would otherwise hold the client for the kernel's ~2 minutes of retries. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final C client;
    /** The client's socket (the client itself, or the socket under its TLS), named in log messages. */
    private final TcpStream clientSocket;
    private final InetSocketAddress upstreamAddress;
    private Future<TcpStream> connect;
    private TcpStream upstream;
    private Future<Io.Copied> copy;
    private boolean done;

    RelayConnection(C client, TcpStream clientSocket, InetSocketAddress upstreamAddress) {
        this.client = client;
        this.clientSocket = clientSocket;
        this.upstreamAddress = upstreamAddress;
        this.connect = Time.timeout(CONNECT_TIMEOUT, TcpStream.connect(upstreamAddress));
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("relay connection polled after it completed");
        }
        if (connect != null) {
            Poll<TcpStream> connected;
            try {
                connected = connect.poll(cx);
            } catch (UncheckedIOException | DeadlineExceededException e) {
                connect = null;
                LOG.log(System.Logger.Level.WARNING, () -> "relay: cannot connect to upstream " + upstreamAddress
                        + " for client " + describe(clientSocket) + ": " + e.getMessage() + "; closing the client");
                return finish();
            }
            if (connected.isPending()) {
                return Poll.pending();
            }
            connect = null;
            upstream = connected.value();
            copy = Io.copyBidirectional(client, upstream);
        }
        try {
            if (copy.poll(cx).isPending()) {
                return Poll.pending();
            }
        } catch (UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: connection " + describe(clientSocket) + " ended: " + e.getMessage());
        }
        return finish();
    }

    private Poll<Void> finish() {
        done = true;
        Connections.closeQuietly(client);
        if (upstream != null) {
            Connections.closeQuietly(upstream);
        }
        return Poll.readyNull();
    }

    /** The runtime is closing (or the task was aborted): abandon the connect, close both connections. */
    @Override
    public void cancel() {
        if (connect != null) {
            connect.cancel(); // closes the half-open upstream socket and removes the timer
            connect = null;
        }
        finish();
    }

    private static String describe(TcpStream s) {
        try {
            return String.valueOf(s.remoteAddress());
        } catch (java.io.IOException e) {
            return s.toString();
        }
    }
}
