package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.BufferPool;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A TCP echo server: every byte a client sends comes back, in order, on the same connection; when the
 * client half-closes, the server half-closes after the last echoed byte and closes the connection.
 *
 * <p>Each accepted connection is one spawned task, an {@link EchoConnection} state machine. Connections
 * borrow their buffer from a per-worker cache only while bytes are in flight, so thousands of idle
 * connections cost a socket and a task each and no buffer, and a busy connection allocates nothing per
 * read. Accepted sockets have TCP_NODELAY set: an echo is a request/response exchange, and Nagle's algorithm
 * would hold back a small echo until the previous one is acknowledged.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.EchoServer [--port P] [--host H] [--workers N]
 * </pre>
 * prints {@code listening on 127.0.0.1:PORT} once bound and serves until killed (see {@link ServerCli}).
 */
public final class EchoServer {
    /**
     * 32 KiB buffers: large transfers move in few system calls, and only connections with bytes in flight
     * hold one. Up to 64 are cached per worker (2 MiB). A buffer given back to a full cache is garbage, and a
     * direct buffer's memory returns only after a GC runs its cleaner: with 16 cached, 1,000 busy connections
     * churned 64 KiB buffers faster than the (nearly idle) heap was collected, and native memory peaked at
     * 164 MB while 10,000 connections opened.
     */
    static final BufferPool BUFFERS = new BufferPool(32 * 1024, 64);

    private EchoServer() {
    }

    /**
     * Binds {@code bind} and serves echo connections on {@code runtime} (which must have the I/O driver:
     * {@code SpindleRuntime.builder()}). Port 0 picks a free port; see {@link ServerHandle#port()}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind) throws IOException {
        return ServerHandle.start(runtime, bind, "echo server", stream -> new EchoConnection<>(stream, stream));
    }

    public static void main(String[] args) {
        ServerCli.run("echo-server", args, ServerCli.Kind.PLAIN, (runtime, options) -> start(runtime, options.bind()));
    }
}
