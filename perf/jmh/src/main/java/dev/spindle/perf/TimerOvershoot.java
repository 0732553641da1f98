package dev.spindle.perf;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.time.Sleep;
import dev.spindle.time.Time;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Timer overshoot, modelled on Tokio's timer benchmark: one task spawns N tasks; each takes its start time, then
 * creates a sleep of a uniform random 1–50 ms (whole milliseconds, seeded, the same sequence for every peer) and
 * awaits it; on waking it records {@code overshoot = elapsed − requested}. The overshoots go into an HdrHistogram
 * (after the round, so recording costs the timers nothing), reported as p50 / p99 / p99.9 / max in ms. Not JMH:
 * one round is one burst of N timers, and what matters is the distribution inside it.
 *
 * <p>Peers, same shape, for scale: {@code stpe}, a {@link ScheduledThreadPoolExecutor} of 2 threads (the root
 * task {@code execute()}s each task, which {@code schedule()}s its wake-up); {@code netty}, a 2-loop NIO event
 * loop group (the root on the first loop hands each task to {@code group.next()}, which {@code schedule()}s its
 * wake-up on its own loop). For Spindle each round also prints the deltas of the worker counters.
 *
 * <pre>
 * java -cp perf/target/benchmarks.jar dev.spindle.perf.TimerOvershoot [--timers 1000,10000,100000]
 *      [--peers spindle,stpe,netty] [--rounds 3] [--warmup 1] [--seed 42] [--workers 2] [--min-ms 1] [--max-ms 50]
 * </pre>
 */
public final class TimerOvershoot {
    static final long TIMEOUT_SECONDS = Check.TIMEOUT_SECONDS;

    /** The command line. */
    record Options(List<Integer> timers, List<String> peers, int rounds, int warmup, long seed, int workers,
                   int minMs, int maxMs) {
        static final List<String> KNOWN_PEERS = List.of("spindle", "stpe", "netty");

        static Options parse(String... args) {
            List<Integer> timers = List.of(1_000, 10_000, 100_000);
            List<String> peers = KNOWN_PEERS;
            int rounds = 3, warmup = 1, workers = 2, minMs = 1, maxMs = 50;
            long seed = 42;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--timers" -> timers = Arrays.stream(v.split(",")).map(s -> Integer.parseInt(s.strip().replace("_", ""))).toList();
                    case "--peers" -> peers = Arrays.stream(v.split(",")).map(String::strip).toList();
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--warmup" -> warmup = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--workers" -> workers = Integer.parseInt(v);
                    case "--min-ms" -> minMs = Integer.parseInt(v);
                    case "--max-ms" -> maxMs = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (String p : peers) {
                if (!KNOWN_PEERS.contains(p)) {
                    throw new IllegalArgumentException("unknown peer " + p + " (known: " + KNOWN_PEERS + ")");
                }
            }
            for (int n : timers) {
                if (n <= 0) {
                    throw new IllegalArgumentException("--timers must be positive, got " + n);
                }
            }
            if (rounds < 1 || warmup < 0 || workers < 1 || minMs < 1 || maxMs < minMs) {
                throw new IllegalArgumentException("need --rounds >= 1, --warmup >= 0, --workers >= 1, 1 <= --min-ms <= --max-ms");
            }
            return new Options(timers, peers, rounds, warmup, seed, workers, minMs, maxMs);
        }
    }

    /** The requested sleeps of one round, in ns: uniform whole milliseconds in [minMs, maxMs], from {@code seed}. */
    static long[] requestedNanos(int n, long seed, int minMs, int maxMs) {
        Random random = new Random(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = TimeUnit.MILLISECONDS.toNanos(minMs + random.nextInt(maxMs - minMs + 1));
        }
        return out;
    }

    /** A round's overshoot distribution. {@code early} counts timers that fired before their deadline. */
    record Summary(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs, double meanMs, long early) {
    }

    /** Records every overshoot (ns) in a histogram; a negative one (an early timer) counts as 0 and as early. */
    static Summary summarize(long[] overshootNanos) {
        Histogram h = new Histogram(3);
        long early = 0;
        for (long o : overshootNanos) {
            if (o < 0) {
                early++;
                o = 0;
            }
            h.recordValue(o);
        }
        return new Summary(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getMean() / 1e6, early);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String header() {
        return String.format(Locale.ROOT, "%-8s %7s %-13s %9s %9s %9s %9s %9s %5s  %s",
                "peer", "timers", "round", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "mean ms", "early", "counters");
    }

    static String row(String peer, int timers, String round, Summary s, String counters) {
        return String.format(Locale.ROOT, "%-8s %7d %-13s %9.3f %9.3f %9.3f %9.3f %9.3f %5d  %s",
                peer, timers, round, s.p50Ms(), s.p99Ms(), s.p999Ms(), s.maxMs(), s.meanMs(), s.early(), counters);
    }

    /** Checks that every task recorded its overshoot (the array starts filled with {@link Long#MIN_VALUE}). */
    static void checkAllRecorded(long[] overshoots, String what) {
        long missing = Arrays.stream(overshoots).filter(o -> o == Long.MIN_VALUE).count();
        if (missing != 0) {
            throw new IllegalStateException(what + ": " + missing + " of " + overshoots.length + " timers never fired");
        }
    }

    private static long[] unset(int n) {
        long[] a = new long[n];
        Arrays.fill(a, Long.MIN_VALUE);
        return a;
    }

    // ---------------------------------------------------------------- peers

    /** One peer: runs one round of timers, returns the overshoots (ns) and a counters note. */
    interface Peer extends AutoCloseable {
        long[] round(long[] requested) throws InterruptedException;

        default String counters() {
            return "";
        }

        @Override
        void close();
    }

    /** A Spindle task: start time, then the sleep; on waking, the overshoot. */
    static final class SleepTask implements Future<Integer> {
        private final int index;
        private final long requested;
        private final long[] out;
        private long start;
        private Sleep sleep;

        SleepTask(int index, long requested, long[] out) {
            this.index = index;
            this.requested = requested;
            this.out = out;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            if (sleep == null) {
                start = System.nanoTime();
                sleep = Time.sleep(Duration.ofNanos(requested));
            }
            if (sleep.poll(cx).isPending()) {
                return Poll.pending();
            }
            out[index] = System.nanoTime() - start - requested;
            return Poll.ready(Shapes.ONE);
        }
    }

    static final class SpindlePeer implements Peer {
        private final SpindleRuntime rt;
        private SpindleIterationMetrics before;
        private String counters = "";

        SpindlePeer(int workers) {
            rt = SpindleRuntime.builder().workers(workers).threadNamePrefix("spindle-timers-").build();
        }

        @Override
        public long[] round(long[] requested) {
            int n = requested.length;
            long[] out = unset(n);
            int[] next = {0};
            before = SpindleIterationMetrics.of(rt.metrics());
            long sum = Check.await(rt.spawn(new Shapes.SpawnAndAwait(rt, n, () -> {
                int i = next[0]++;
                return new SleepTask(i, requested[i], out);
            })), "spindle timers");
            SpindleIterationMetrics delta = SpindleIterationMetrics.of(rt.metrics()).minus(before);
            counters = "timersFired=" + delta.timersFired() + " polls=" + delta.polls() + " parks=" + delta.parks()
                    + " unparks=" + delta.unparks() + " steals=" + delta.steals() + " overflow=" + delta.overflowed();
            Check.equal(n, sum, "spindle timers: tasks completed");
            return out;
        }

        @Override
        public String counters() {
            return counters;
        }

        @Override
        public void close() {
            long failed = rt.metrics().failed();
            rt.close();
            if (failed != 0) {
                throw new IllegalStateException(failed + " Spindle task(s) failed");
            }
        }
    }

    static final class StpePeer implements Peer {
        private final ScheduledThreadPoolExecutor pool;

        StpePeer(int threads) {
            pool = new ScheduledThreadPoolExecutor(threads);
        }

        @Override
        public long[] round(long[] requested) throws InterruptedException {
            int n = requested.length;
            long[] out = unset(n);
            CountDownLatch done = new CountDownLatch(n);
            pool.execute(() -> {
                for (int i = 0; i < n; i++) {
                    int index = i;
                    pool.execute(() -> {
                        long start = System.nanoTime();
                        pool.schedule(() -> {
                            out[index] = System.nanoTime() - start - requested[index];
                            done.countDown();
                        }, requested[index], TimeUnit.NANOSECONDS);
                    });
                }
            });
            await(done, "stpe timers");
            return out;
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    static final class NettyPeer implements Peer {
        private final MultiThreadIoEventLoopGroup group;

        NettyPeer(int loops) {
            group = new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
        }

        @Override
        public long[] round(long[] requested) throws InterruptedException {
            int n = requested.length;
            long[] out = unset(n);
            CountDownLatch done = new CountDownLatch(n);
            group.next().execute(() -> {
                for (int i = 0; i < n; i++) {
                    int index = i;
                    EventLoop loop = (EventLoop) group.next();
                    loop.execute(() -> {
                        long start = System.nanoTime();
                        loop.schedule(() -> {
                            out[index] = System.nanoTime() - start - requested[index];
                            done.countDown();
                        }, requested[index], TimeUnit.NANOSECONDS);
                    });
                }
            });
            await(done, "netty timers");
            return out;
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void await(CountDownLatch done, String what) throws InterruptedException {
        if (!done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(what + ": " + done.getCount() + " timers not fired after "
                    + TIMEOUT_SECONDS + " s");
        }
    }

    static Peer open(String peer, int threads) {
        return switch (peer) {
            case "spindle" -> new SpindlePeer(threads);
            case "stpe" -> new StpePeer(threads);
            case "netty" -> new NettyPeer(threads);
            default -> throw new IllegalArgumentException("unknown peer " + peer);
        };
    }

    /** Runs every peer at every timer count; returns the printed rows (measured rounds only). */
    static List<String> run(Options o, java.io.PrintStream out) throws InterruptedException {
        List<String> rows = new ArrayList<>();
        out.println(header());
        for (int n : o.timers()) {
            for (String peer : o.peers()) {
                try (Peer p = open(peer, o.workers())) {
                    for (int r = 0; r < o.warmup() + o.rounds(); r++) {
                        boolean warm = r < o.warmup();
                        String round = warm ? "warmup-" + (r + 1) : "round-" + (r - o.warmup() + 1);
                        long[] requested = requestedNanos(n, o.seed() + r, o.minMs(), o.maxMs());
                        long[] overshoots = p.round(requested);
                        checkAllRecorded(overshoots, peer + " " + n + " timers");
                        String line = row(peer, n, round, summarize(overshoots), p.counters());
                        out.println(line);
                        if (!warm) {
                            rows.add(line);
                        }
                    }
                }
            }
        }
        return rows;
    }

    public static void main(String[] args) throws InterruptedException {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: TimerOvershoot [--timers 1000,10000,100000] [--peers spindle,stpe,netty]"
                    + " [--rounds 3] [--warmup 1] [--seed 42] [--workers 2] [--min-ms 1] [--max-ms 50]");
            System.exit(2);
            return;
        }
        System.out.printf(Locale.ROOT, "timer overshoot (elapsed - requested, measured in the task): %s timers,"
                        + " sleeps uniform %d-%d ms (seed %d + round), %d threads per peer, %d warm-up + %d rounds%n",
                o.timers(), o.minMs(), o.maxMs(), o.seed(), o.workers(), o.warmup(), o.rounds());
        run(o, System.out);
    }
}
