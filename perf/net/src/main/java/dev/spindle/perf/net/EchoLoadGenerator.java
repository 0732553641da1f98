package dev.spindle.perf.net;

import dev.spindle.perf.servers.Cli;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The closed-loop echo load generator over plain NIO ({@link EchoLoad} over {@link PlainConnection}s): each of
 * {@code --connections} connections sends one message of {@code --size} bytes, waits until all of it has come
 * back, records the round trip in an HdrHistogram, and sends the next.
 *
 * <pre>
 * EchoLoadGenerator --port P [--host 127.0.0.1] [--connections 64] [--size 64]
 *                   [--duration 10] [--warmup 3] [--threads 1] [--connect-batch 32]
 * </pre>
 *
 * <p>Connections are opened before the clock starts, in batches that each finish a one-byte echo (see
 * {@link Connector}), so 1,000 connections never overflow the server's backlog. Then a warm-up ({@code --warmup}
 * s, not recorded) and a measured window ({@code --duration} s), with {@code WINDOW start} / {@code WINDOW end}
 * on stdout at its edges (see {@link Measurement}); at the end one line:
 * <pre>
 * RESULT conns=64 size=64 threads=1 duration_s=10.000 requests=... rps=... p50_us=... p90_us=... p99_us=...
 *        p999_us=... max_us=... errors=... client_cpu_pct=...
 * </pre>
 * {@code errors} counts connections that failed to open and connections dropped during the run.
 *
 * <p>{@code --threads} defaults to 1 because on the two-core benchmark machine the server needs the other core.
 * Plain connections use a direct buffer each way, which the JDK hands to the system calls without a copy.
 */
public final class EchoLoadGenerator {
    private EchoLoadGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args, """
                usage: EchoLoadGenerator --port P [--host 127.0.0.1] [--connections 64] [--size 64]
                                         [--duration 10] [--warmup 3] [--threads 1] [--connect-batch 32]
                  durations in seconds; --threads 1 leaves the other core of a 2-core machine to the server""",
                Set.of("host", "port", "connections", "size", "duration", "warmup", "threads", "connect-batch"));
        String host = cli.string("host", "127.0.0.1");
        int port = cli.integer("port", 0, 1);
        int connections = cli.integer("connections", 64, 1);
        int size = cli.integer("size", 64, 2);
        long durationNanos = cli.seconds("duration", 10);
        long warmupNanos = cli.seconds("warmup", 3);
        int threads = Math.min(cli.integer("threads", 1, 1), connections);
        int batch = cli.integer("connect-batch", 32, 1);
        if (durationNanos == 0) {
            cli.fail("--duration must be more than 0");
        }

        Connector.Result<PlainConnection> opened = Connector.open(new InetSocketAddress(host, port), connections,
                batch, Probe.ECHO, TimeUnit.SECONDS.toNanos(10), false);
        opened.reportFailures(connections);
        EchoLoad load = new EchoLoad(opened.connections(), size, threads);
        Measurement m = Measurement.run(load, warmupNanos, durationNanos);
        System.out.println(m.resultLine("conns=" + connections + " size=" + size + " threads=" + threads,
                "requests", opened.failures() + load.errors(), ""));
    }
}
