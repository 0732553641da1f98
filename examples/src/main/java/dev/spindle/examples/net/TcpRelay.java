package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TCP relay (a layer-4 proxy): for each client it accepts, it opens a connection to one fixed upstream
 * address and copies bytes both ways until both directions have ended, with half-closes passed through (a
 * client that shuts down its output makes the relay shut down its output to the upstream, and vice versa).
 *
 * <p>Each client is one spawned task, a {@link RelayConnection}: connect, then {@link dev.spindle.io.Io#copyBidirectional}
 * in the same task, so both directions share one task and one waker per socket direction. If the upstream
 * cannot be reached the failure is logged and the client's connection is closed.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.TcpRelay --upstream HOST:PORT [--port P] [--host H] [--workers N]
 * </pre>
 * prints {@code listening on 127.0.0.1:PORT} once bound and serves until killed (see {@link ServerCli}).
 */
public final class TcpRelay {
    private TcpRelay() {
    }

    /**
     * Binds {@code bind} and relays every accepted connection to {@code upstream}, on {@code runtime} (which
     * must have the I/O driver: {@code SpindleRuntime.builder()}).
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind, InetSocketAddress upstream)
            throws IOException {
        Objects.requireNonNull(upstream, "upstream");
        return ServerHandle.start(runtime, bind, "relay to " + upstream,
                client -> new RelayConnection<>(client, client, upstream));
    }

    public static void main(String[] args) {
        ServerCli.run("tcp-relay", args, ServerCli.Kind.RELAY,
                (runtime, options) -> start(runtime, options.bind(), options.upstream()));
    }
}
