package dev.spindle.perf.net;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A closed-loop echo load generator over plain NIO: each of {@code --connections} connections sends one message
 * of {@code --size} bytes, waits until all {@code size} bytes have come back, records the round trip in an
 * HdrHistogram, and sends the next. Throughput is therefore set by the server's (and the generator's) latency:
 * the shape of a request/response protocol, not of a firehose.
 *
 * <pre>
 * EchoLoadGenerator --port P [--host 127.0.0.1] [--connections 64] [--size 64]
 *                   [--duration 10] [--warmup 3] [--threads 1] [--connect-batch 32]
 * </pre>
 *
 * <p>Connections are opened before the clock starts, in batches that each finish a one-byte echo (see
 * {@link Connector}), so 1,000 connections never overflow the server's backlog. The run then has a warm-up
 * ({@code --warmup} s, not recorded) and a measured window ({@code --duration} s): only round trips that
 * complete inside the window count. At the window's edges the generator prints {@code WINDOW start} and
 * {@code WINDOW end} on stdout, so the driver script can sample the server's CPU time over exactly that window;
 * at the end it prints one line:
 * <pre>
 * RESULT conns=64 size=64 threads=1 duration_s=10.000 requests=... rps=... p50_us=... p90_us=... p99_us=...
 *        p999_us=... max_us=... errors=... client_cpu_pct=...
 * </pre>
 * {@code client_cpu_pct} is this process's CPU time over the window in % of one core: near 100 with one thread
 * means the generator, not the server, may be the limit.
 *
 * <p>{@code --threads} defaults to 1 because on the two-core benchmark machine the server needs the other core;
 * each thread owns its share of the connections, a selector and a histogram (merged at the end), so threads
 * never share mutable state. The send/receive loop allocates nothing: every connection has a preallocated direct
 * buffer each way, and the selector is driven with {@link Selector#select(Consumer, long)}, which needs no
 * iterator over the selected-key set.
 *
 * <p>Every message is checked: the echo must be exactly {@code size} bytes (the read buffer holds no more, and
 * extra bytes would show up at the start of the next echo), and its first and last bytes must be those sent. The
 * first byte is a per-message sequence tag, so a reordered or stale echo is caught as well as a truncated one. A
 * connection that fails, or that the server closes, is dropped and counted in {@code errors}.
 */
public final class EchoLoadGenerator {
    /** The largest latency the histograms track (a larger one is recorded as this). */
    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

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

        Connector.Result opened = Connector.open(new InetSocketAddress(host, port), connections, batch,
                Connector.Probe.ECHO, TimeUnit.SECONDS.toNanos(10), false);
        if (opened.failures() > 0) {
            System.err.println(opened.failures() + " of " + connections + " connections failed to open; first: "
                    + opened.firstFailure());
        }
        List<SocketChannel> channels = opened.channels();

        Worker[] workers = new Worker[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker(size);
        }
        for (int i = 0; i < channels.size(); i++) {
            workers[i % threads].add(channels.get(i));
        }

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        long windowStart = start + warmupNanos;
        long windowEnd = windowStart + durationNanos;
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Worker w = workers[t];
            w.windowStart = windowStart;
            w.windowEnd = windowEnd;
            Thread thread = new Thread(w::run, "echo-load-" + t);
            thread.start();
            running.add(thread);
        }

        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        sleepUntil(windowStart);
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        System.out.println("WINDOW start");
        System.out.flush();
        sleepUntil(windowEnd);
        long cpuEnd = os.getProcessCpuTime();
        long wallEnd = System.nanoTime();
        System.out.println("WINDOW end");
        System.out.flush();
        for (Thread thread : running) {
            thread.join();
        }
        for (SocketChannel ch : channels) {
            ch.close();
        }

        Histogram merged = new Histogram(MAX_LATENCY_NANOS, 3);
        long requests = 0;
        long errors = opened.failures();
        for (Worker w : workers) {
            merged.add(w.histogram);
            requests += w.requests;
            errors += w.errors;
            if (w.firstError != null) {
                System.err.println("worker error: " + w.firstError);
            }
        }
        double seconds = durationNanos / 1e9;
        System.out.println(String.format(Locale.ROOT,
                "RESULT conns=%d size=%d threads=%d duration_s=%.3f requests=%d rps=%.1f p50_us=%.1f p90_us=%.1f "
                        + "p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%d client_cpu_pct=%.1f",
                connections, size, threads, seconds, requests, requests / seconds,
                micros(merged, 50), micros(merged, 90), micros(merged, 99), micros(merged, 99.9),
                merged.getMaxValue() / 1e3, errors,
                100.0 * (cpuEnd - cpuStart) / Math.max(1, wallEnd - wallStart)));
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** One load thread: its connections, its selector, its histogram. */
    private static final class Worker {
        final int size;
        final Histogram histogram = new Histogram(MAX_LATENCY_NANOS, 3);
        final List<Conn> conns = new ArrayList<>();
        final Selector selector;
        /** Bound once: a method reference created inside the loop would allocate on every select. */
        final Consumer<SelectionKey> onReady = this::onReady;
        long windowStart;
        long windowEnd;
        long requests;
        long errors;
        String firstError;

        Worker(int size) throws IOException {
            this.size = size;
            this.selector = Selector.open();
        }

        void add(SocketChannel ch) throws IOException {
            Conn c = new Conn(ch, size);
            c.key = ch.register(selector, 0, c);
            conns.add(c);
        }

        void run() {
            try {
                long now = System.nanoTime();
                for (Conn c : conns) {
                    send(c, now);
                }
                while (true) {
                    now = System.nanoTime();
                    if (now >= windowEnd) {
                        break;
                    }
                    // Wake at least every 50 ms to notice the end of the window when every connection is stuck.
                    selector.select(onReady, Math.max(1, Math.min(50, (windowEnd - now) / 1_000_000)));
                }
                selector.close();
            } catch (IOException e) {
                error("selector failed: " + e);
            }
        }

        private void onReady(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable()) {
                    c.channel.write(c.out);
                    if (!c.out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    int n = c.channel.read(c.in);
                    if (n < 0) {
                        drop(c, "closed by the server");
                        return;
                    }
                    if (!c.in.hasRemaining()) {
                        long now = System.nanoTime();
                        if (c.in.get(0) != c.tag || c.in.get(size - 1) != c.out.get(size - 1)) {
                            drop(c, "echo differs from the message sent");
                            return;
                        }
                        if (now >= windowStart && now < windowEnd) {
                            histogram.recordValue(Math.min(now - c.sentAt, MAX_LATENCY_NANOS));
                            requests++;
                        }
                        send(c, now);
                    }
                }
            } catch (IOException | RuntimeException e) {
                drop(c, e.toString());
            }
        }

        private void send(Conn c, long now) throws IOException {
            c.tag++;
            c.out.clear();
            c.out.put(0, c.tag);
            c.in.clear();
            c.sentAt = now;
            c.channel.write(c.out);
            c.key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                    : SelectionKey.OP_READ);
        }

        private void drop(Conn c, String why) {
            c.key.cancel();
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // Closing a failed connection: nothing more to learn from it.
            }
            error(why);
        }

        private void error(String why) {
            errors++;
            if (firstError == null) {
                firstError = why;
            }
        }
    }

    /** One connection: its channel, key, and a preallocated direct buffer each way. */
    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        long sentAt;
        byte tag;

        Conn(SocketChannel channel, int size) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(size);
            this.in = ByteBuffer.allocateDirect(size);
            // A varied payload, so an echo of the wrong bytes cannot pass by accident; the last byte is checked.
            for (int i = 0; i < size; i++) {
                out.put(i, (byte) (i * 31 + 7));
            }
        }
    }
}
