package dev.spindle.perf.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * How every blocking peer server runs: a {@link ServerSocket} (plain or TLS) with a backlog of 1,024 (the
 * {@code ServerSocket} default of 50 is too small for a server that expects thousands of clients), an accept loop
 * on a virtual thread, and a virtual thread per connection. The accept loop being a virtual thread too, all the
 * server's work shares the {@code --workers} carrier threads (see {@link VirtualThreads}), as Spindle's accept
 * loop shares its workers.
 */
public final class BlockingServers {
    private static final int BACKLOG = 1024;

    private BlockingServers() {
    }

    /**
     * Binds the unbound {@code server} to {@code options.address()}, prints the readiness line and serves until
     * the process is killed, each connection on a new virtual thread running {@code connection}.
     */
    public static void serve(ServerOptions options, ServerSocket server, Consumer<Socket> connection)
            throws IOException, InterruptedException {
        VirtualThreads.useCarriers(options.workers());
        server.bind(options.address(), BACKLOG);
        ServerOptions.announce((InetSocketAddress) server.getLocalSocketAddress());
        Thread acceptor = Thread.ofVirtual().name("acceptor").start(() -> {
            while (true) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    // EMFILE and friends: report and keep serving the connections that exist.
                    System.err.println("accept failed: " + e);
                    sleepQuietly();
                    continue;
                }
                Thread.ofVirtual().start(() -> connection.accept(socket));
            }
        });
        acceptor.join();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
