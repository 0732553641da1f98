package dev.spindle.perf.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The blocking peer of Spindle's echo server: a {@link ServerSocket}, one virtual thread per connection, plain
 * blocking streams; the style Java 21 recommends for a thread-per-connection server. Each connection thread
 * copies its input to its output with {@link java.io.InputStream#transferTo} (a 16 KiB buffer, each read
 * written back at once), then half-closes after the client's EOF.
 *
 * <p>The accept loop is itself a virtual thread, so all the server's work shares the {@code --workers}
 * carrier threads (see {@link VirtualThreads}), as Spindle's accept loop shares its workers. The backlog is
 * 1,024 (the {@code ServerSocket} default of 50 is too small for a server that expects thousands of clients).
 */
public final class BlockingEchoServer {
    private static final int BACKLOG = 1024;

    private BlockingEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerOptions options = ServerOptions.parse(args, "BlockingEchoServer");
        VirtualThreads.useCarriers(options.workers());
        ServerSocket server = new ServerSocket();
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
                Thread.ofVirtual().start(() -> serve(socket));
            }
        });
        acceptor.join();
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.getInputStream().transferTo(socket.getOutputStream());
            socket.shutdownOutput();
        } catch (IOException e) {
            // The client reset the connection (the load generator does at the end of a run): it just ends.
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
