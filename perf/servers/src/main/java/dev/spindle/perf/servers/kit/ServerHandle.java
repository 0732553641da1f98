package dev.spindle.perf.servers.kit;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsStream;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Function;

/**
 * A running server: its bound address, and {@link #close()} to stop accepting.
 *
 * <p>Closing stops the accept loop and closes the listening socket; connections already accepted go on
 * until they end by themselves or the runtime closes (which cancels their tasks, and each task closes its
 * socket). The runtime belongs to the caller.
 */
public final class ServerHandle implements AutoCloseable {
    /**
     * Accept backlog. The JDK's default is 50, which makes a benchmark's burst of a few hundred simultaneous
     * connects lose SYNs and retry after a second; the kernel caps this at {@code net.core.somaxconn}.
     */
    private static final int BACKLOG = 1024;

    private final InetSocketAddress localAddress;
    private final Acceptor acceptor;
    private final JoinHandle<Void> acceptLoop;

    private ServerHandle(InetSocketAddress localAddress, Acceptor acceptor, JoinHandle<Void> acceptLoop) {
        this.localAddress = localAddress;
        this.acceptor = acceptor;
        this.acceptLoop = acceptLoop;
    }

    /**
     * Binds {@code bind} now (on the calling thread, so that a bind error is thrown here) and spawns the accept
     * loop on {@code runtime}, which spawns {@code connectionTask.apply(stream)} for each accepted connection.
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, String serverName,
                              Function<TcpStream, Future<Void>> connectionTask) throws IOException {
        TcpListener listener = TcpListener.bind(bind, BACKLOG);
        try {
            InetSocketAddress local = listener.localAddress();
            Acceptor acceptor = new Acceptor(runtime, listener, serverName + " on " + local, connectionTask);
            return new ServerHandle(local, acceptor, runtime.spawn(acceptor));
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /**
     * {@link #start} for a TLS server: each accepted connection is one task that runs the server handshake with
     * {@code acceptor}, then {@code protocol.apply(tlsStream)} (see {@link HandshakeThen}).
     */
    public static ServerHandle startTls(SpindleRuntime runtime, InetSocketAddress bind, String serverName,
                                 TlsAcceptor acceptor, Function<TlsStream<TcpStream>, Future<Void>> protocol)
            throws IOException {
        Objects.requireNonNull(acceptor, "acceptor");
        Objects.requireNonNull(protocol, "protocol");
        return start(runtime, bind, serverName, tcp -> new HandshakeThen(acceptor.accept(tcp), protocol));
    }

    /** The address the server listens on, with the real port when it was bound to port 0. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The port the server listens on. */
    public int port() {
        return localAddress.getPort();
    }

    /** Stops accepting and closes the listening socket; idempotent. */
    @Override
    public void close() {
        acceptor.stop();
    }

    /** The accept loop's task: it completes when the server is closed, or fails if the loop itself failed. */
    public JoinHandle<Void> acceptLoop() {
        return acceptLoop;
    }

    @Override
    public String toString() {
        return "ServerHandle[" + localAddress + "]";
    }
}
