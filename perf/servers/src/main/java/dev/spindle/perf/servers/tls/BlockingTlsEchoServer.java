package dev.spindle.perf.servers.tls;

import dev.spindle.perf.servers.BlockingServers;

import javax.net.ssl.SSLServerSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/**
 * The blocking peer of Spindle's TLS echo server: an {@link SSLServerSocket} on the JDK's provider, one virtual
 * thread per connection, plain blocking streams, as {@code BlockingEchoServer} is for plain TCP. Each connection
 * thread runs the handshake (on its first read), then copies its input to its output with
 * {@link InputStream#transferTo} (a 16 KiB buffer; an {@code SSLSocket} read returns at most one record's
 * plaintext, and each is written back, as one record, at once); after the client's close_notify it answers with
 * its own and closes.
 *
 * <p>The accept loop, the backlog and the carriers are {@link BlockingServers}', as for the plain blocking
 * server: all the server's work, handshakes included, runs on {@code --workers} threads.
 */
public final class BlockingTlsEchoServer {
    private BlockingTlsEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        TlsServerOptions options = TlsServerOptions.parse(args, "BlockingTlsEchoServer");
        SSLServerSocket server = (SSLServerSocket) BenchTls.serverContext(options.certDir())
                .getServerSocketFactory().createServerSocket();
        server.setEnabledProtocols(new String[] {options.protocol()});
        BlockingServers.serve(options.server(), server, BlockingTlsEchoServer::serve);
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.getInputStream().transferTo(socket.getOutputStream());
        } catch (IOException e) {
            // A reset by the client (the handshake client resets every connection), or a failed handshake.
        }
    }
}
