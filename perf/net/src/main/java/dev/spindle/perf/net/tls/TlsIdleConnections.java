package dev.spindle.perf.net.tls;

import dev.spindle.perf.net.Connector;
import dev.spindle.perf.net.IdleConnections;
import dev.spindle.perf.net.Probe;
import dev.spindle.perf.servers.Cli;

import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens many TLS connections to a server and holds them idle, so the driver script can measure what an idle TLS
 * connection costs the server: resident memory per connection and CPU time while nothing happens. The TLS twin
 * of the plain harness's {@link IdleConnections}, whose holding loop and output it shares.
 *
 * <pre>
 * TlsIdleConnections --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2]
 *                    [--connections 10000] [--hold 60] [--connect-batch 32]
 * </pre>
 *
 * <p>Connections open in batches ({@link Connector}), each with a full handshake and a one-byte echo, so when the
 * holder prints
 * <pre>
 * OPEN connections=10000 failures=0 seconds=12.3
 * </pre>
 * the server has finished every handshake (and sent its session tickets, which the echo came after) and each
 * connection sits in its steady idle state, waiting for its next record. Then the holder keeps only the sockets
 * (no engine, no buffers: it will never speak TLS on them again; the handshakes of one batch reuse the buffers
 * of the one before, see {@link TlsConn#reusingBuffers}) for {@code --hold} seconds (0: until killed),
 * reporting a connection the server closes at once as {@code CLOSED_BY_SERVER n}, and finally
 * {@code HELD connections=N closed=M}.
 *
 * <p>The process needs a descriptor per connection (raise {@code ulimit -n} first); every socket has SO_LINGER
 * 0, so closing them, or killing this process, resets the connections instead of leaving TIME_WAIT entries.
 */
public final class TlsIdleConnections {
    private TlsIdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args, """
                usage: TlsIdleConnections --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2]
                                          [--connections 10000] [--hold 60] [--connect-batch 32]
                  --hold 0 holds until the process is killed; raise ulimit -n above --connections first""",
                TlsClientOptions.names("connections", "hold", "connect-batch"));
        TlsClientOptions tls = TlsClientOptions.from(cli);
        int connections = cli.integer("connections", 10_000, 1);
        long holdNanos = cli.seconds("hold", 60);
        int batch = cli.integer("connect-batch", 32, 1);

        long t0 = System.nanoTime();
        Connector.Result<TlsConn> opened = Connector.open(tls.address(), connections, batch, Probe.ECHO,
                TimeUnit.SECONDS.toNanos(10), true, TlsConn.reusingBuffers(tls::newEngine, batch));
        // Only the sockets are kept: the engines and the handshakes' buffers are garbage from here on.
        List<SocketChannel> channels = opened.connections().stream().map(TlsConn::channel).toList();
        IdleConnections.announceOpen(opened, connections, t0);
        IdleConnections.hold(channels, holdNanos);
    }
}
