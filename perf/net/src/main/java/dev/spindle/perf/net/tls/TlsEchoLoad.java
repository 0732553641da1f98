package dev.spindle.perf.net.tls;

import dev.spindle.perf.net.Connector;
import dev.spindle.perf.net.EchoLoad;
import dev.spindle.perf.net.MeasuredLoad;
import dev.spindle.perf.net.Measurement;
import dev.spindle.perf.net.Probe;
import dev.spindle.perf.servers.Cli;

import javax.net.ssl.SSLSession;
import java.util.concurrent.TimeUnit;

/**
 * The closed-loop TLS echo load generator: the plain harness's {@link EchoLoad} over TLS connections. Each of
 * {@code --connections} connections sends one message of {@code --size} bytes of plaintext, waits until all of
 * it has come back, records the round trip in an HdrHistogram, and sends the next.
 *
 * <pre>
 * TlsEchoLoad --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2] [--connections 64]
 *             [--size 16384] [--duration 10] [--warmup 3] [--client engine|socket] [--connect-batch 32]
 * </pre>
 *
 * <p>Two clients, the same protocol:
 * <ul>
 *   <li>{@code engine} (the default): {@link EchoLoad} on one thread, an {@link javax.net.ssl.SSLEngine} per
 *       connection driven over a non-blocking channel ({@link TlsConn}), with preallocated heap buffers; the
 *       send/receive loop allocates nothing but the engine's per-call {@code SSLEngineResult}. Connections open
 *       before the clock starts, in batches, each with a full handshake and a one-byte echo
 *       ({@link Connector}).</li>
 *   <li>{@code socket}: {@link SocketEchoLoad}, a blocking {@code SSLSocket} per connection on its own virtual
 *       thread, on one carrier, so it too uses at most one core.</li>
 * </ul>
 * On the two-core benchmark machine the client's CPU is taken from the server, so the cheaper client per
 * request is the fairer one; see perf/README.md ("TLS benchmarks") for the measurement that chose the default.
 *
 * <p>The warm-up, the measured window and its {@code WINDOW} lines are {@link Measurement}'s; the last line is
 * <pre>
 * RESULT conns=64 size=16384 client=engine protocol=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 duration_s=10.000
 *        requests=... rps=... p50_us=... p90_us=... p99_us=... p999_us=... max_us=... errors=0 client_cpu_pct=...
 * </pre>
 * with the protocol and cipher suite the first connection negotiated. {@code errors} counts connections that
 * failed to open and connections dropped during the run.
 */
public final class TlsEchoLoad {
    private TlsEchoLoad() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args, """
                usage: TlsEchoLoad --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2]
                                   [--connections 64] [--size 16384] [--duration 10] [--warmup 3]
                                   [--client engine|socket] [--connect-batch 32]
                  durations in seconds; the client uses one core (one thread, or one carrier)""",
                TlsClientOptions.names("connections", "size", "duration", "warmup", "client", "connect-batch"));
        TlsClientOptions tls = TlsClientOptions.from(cli);
        int connections = cli.integer("connections", 64, 1);
        int size = cli.integer("size", 16_384, 2);
        long durationNanos = cli.seconds("duration", 10);
        long warmupNanos = cli.seconds("warmup", 3);
        String client = cli.choice("client", "engine", "socket");
        int batch = cli.integer("connect-batch", 32, 1);
        if (durationNanos == 0) {
            cli.fail("--duration must be more than 0");
        }

        MeasuredLoad load;
        int opened;
        SSLSession session;
        if (client.equals("engine")) {
            Connector.Result<TlsConn> result = Connector.open(tls.address(), connections, batch, Probe.ECHO,
                    TimeUnit.SECONDS.toNanos(10), false, TlsConn.withOwnBuffers(tls::newEngine));
            result.reportFailures(connections);
            opened = result.connections().size();
            session = opened == 0 ? null : result.connections().getFirst().engine.getSession();
            load = new EchoLoad(result.connections(), size, 1);
        } else {
            SocketEchoLoad sockets = new SocketEchoLoad(tls, connections, size);
            opened = sockets.opened();
            session = sockets.session();
            load = sockets;
        }
        Measurement m = Measurement.run(load, warmupNanos, durationNanos);
        System.out.println(m.resultLine("conns=" + connections + " size=" + size + " client=" + client
                        + " protocol=" + (session == null ? "-" : session.getProtocol())
                        + " cipher=" + (session == null ? "-" : session.getCipherSuite()),
                "requests", load.errors() + (connections - opened), ""));
    }
}
