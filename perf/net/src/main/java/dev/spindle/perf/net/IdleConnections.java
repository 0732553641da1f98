package dev.spindle.perf.net;

import dev.spindle.perf.servers.Cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Opens many connections to a server and holds them idle, so the driver script can measure what an idle
 * connection costs the server (the TLS holder, {@code TlsIdleConnections}, shares {@link #hold}): resident memory per connection and CPU time while nothing happens (a runtime
 * built on readiness should use none).
 *
 * <pre>
 * IdleConnections --port P [--host 127.0.0.1] [--connections 10000] [--hold 60] [--probe echo|http|none]
 *                 [--connect-batch 32]
 * </pre>
 *
 * <p>Connections open in batches (see {@link Connector}); by default each completes one probe exchange
 * ({@code echo}: one byte echoed; {@code http}: one keep-alive {@code GET /}), so when the generator prints
 * <pre>
 * OPEN connections=10000 failures=0 seconds=3.2
 * </pre>
 * the server has accepted every connection and each sits in its steady idle state: served once, now waiting
 * for its next read. Then it holds them for {@code --hold} seconds (0: until killed), watching them: a
 * connection the server closes is reported at once as {@code CLOSED_BY_SERVER n}, since an idle measurement
 * with connections missing would flatter the server. At the end it prints {@code HELD connections=N closed=M}.
 *
 * <p>The process needs one file descriptor per connection: raise {@code ulimit -n} first (the driver script
 * raises it to the hard limit). Every socket has SO_LINGER 0, so closing them, or killing this process, resets
 * the connections instead of leaving 10,000 TIME_WAIT entries that would exhaust the loopback port range over
 * a few runs.
 */
public final class IdleConnections {
    private IdleConnections() {
    }

    public static void main(String[] args) throws IOException {
        Cli cli = Cli.parse(args, """
                usage: IdleConnections --port P [--host 127.0.0.1] [--connections 10000] [--hold 60]
                                       [--probe echo|http|none] [--connect-batch 32]
                  --hold 0 holds until the process is killed; raise ulimit -n above --connections first""",
                Set.of("host", "port", "connections", "hold", "probe", "connect-batch"));
        String host = cli.string("host", "127.0.0.1");
        int port = cli.integer("port", 0, 1);
        int connections = cli.integer("connections", 10_000, 1);
        long holdNanos = cli.seconds("hold", 60);
        int batch = cli.integer("connect-batch", 32, 1);
        Probe probe = null;
        try {
            probe = Probe.parse(cli.string("probe", "echo"));
        } catch (IllegalArgumentException e) {
            cli.fail(e.getMessage());
        }

        long t0 = System.nanoTime();
        Connector.Result<PlainConnection> opened = Connector.open(new InetSocketAddress(host, port), connections,
                batch, probe, TimeUnit.SECONDS.toNanos(10), true);
        List<SocketChannel> channels = opened.connections().stream().map(PlainConnection::channel).toList();
        announceOpen(opened, connections, t0);
        hold(channels, holdNanos);
    }

    /**
     * Reports the failures and prints the {@code OPEN} line once the connections are open; {@code t0} is when
     * opening began.
     */
    public static void announceOpen(Connector.Result<?> opened, int wanted, long t0) {
        opened.reportFailures(wanted);
        // One println of a finished string: printf writes piece by piece, and the script reads this file as it grows.
        System.out.println(String.format(Locale.ROOT, "OPEN connections=%d failures=%d seconds=%.1f",
                opened.connections().size(), opened.failures(), (System.nanoTime() - t0) / 1e9));
        System.out.flush();
    }

    /**
     * Holds {@code channels} for {@code holdNanos} (0: until the process is killed), reading nothing from them
     * but reporting each one the server closes as {@code CLOSED_BY_SERVER n}; then closes them and prints
     * {@code HELD connections=N closed=M}.
     */
    public static void hold(List<SocketChannel> channels, long holdNanos) throws IOException {
        int closed = 0;
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        try (Selector selector = Selector.open()) {
            for (SocketChannel ch : channels) {
                ch.register(selector, SelectionKey.OP_READ);
            }
            long end = holdNanos == 0 ? Long.MAX_VALUE : System.nanoTime() + holdNanos;
            long now;
            while ((now = System.nanoTime()) < end) {
                long waitMillis = holdNanos == 0 ? 0 : Math.max(1, (end - now) / 1_000_000);
                selector.select(waitMillis);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel ch = (SocketChannel) key.channel();
                    int n;
                    try {
                        scratch.clear();
                        n = ch.read(scratch);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        key.cancel();
                        ch.close();
                        closed++;
                        System.out.println("CLOSED_BY_SERVER " + closed);
                        System.out.flush();
                    }
                    // Bytes from an idle server (for TLS: a late ticket or a close_notify) are not expected, and
                    // there is nothing to do with them.
                }
                selector.selectedKeys().clear();
            }
        }
        for (SocketChannel ch : channels) {
            ch.close();
        }
        System.out.println("HELD connections=" + channels.size() + " closed=" + closed);
    }
}
