package dev.spindle.perf.servers;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The blocking peer of Spindle's echo server: a {@link ServerSocket}, one virtual thread per connection, plain
 * blocking streams; the style Java 21 recommends for a thread-per-connection server. Each connection thread
 * copies its input to its output with {@link java.io.InputStream#transferTo} (a 16 KiB buffer, each read
 * written back at once), then half-closes after the client's EOF.
 *
 * <p>The accept loop and the threads are {@link BlockingServers}': everything runs on {@code --workers} carriers.
 */
public final class BlockingEchoServer {
    private BlockingEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        BlockingServers.serve(ServerOptions.parse(args, "BlockingEchoServer"), new ServerSocket(),
                BlockingEchoServer::serve);
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
}
