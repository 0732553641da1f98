package dev.spindle.perf;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.sync.Oneshot;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FutureListener;
import io.netty.util.concurrent.Promise;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Shape 4: two long-lived tasks play ping-pong over one-shot channels, {@value #ROUND_TRIPS} round trips per
 * operation, reported per round trip (two messages, two wake-ups, two fresh channels). Each ping carries the
 * channel for its pong and the channel for the next ping, so every message travels over a channel created for
 * it. Tokio's counterpart is {@code ping_pong} (which spawns a task per ping; here the tasks live on).
 *
 * <p>Peers: a {@link CompletableFuture} is the JDK's one-shot channel; Netty's is a {@link Promise}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(OneshotPingPongBenchmark.ROUND_TRIPS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class OneshotPingPongBenchmark {
    static final int ROUND_TRIPS = 10_000;

    // ---------------------------------------------------------------- Spindle

    /** A ping: its sequence number, where to send the pong, where the next ping will come from. */
    record Ping(int seq, Oneshot.Sender<Integer> reply, Oneshot.Receiver<Ping> next) {
    }

    /** Sent instead of a ping to end the game. */
    static final Ping STOP = new Ping(-1, null, null);

    static final class Pinger implements Future<Integer> {
        private Oneshot.Sender<Ping> tx;
        private Oneshot.Receiver<Integer> pong;
        private int seq;

        Pinger(Oneshot.Sender<Ping> tx) {
            this.tx = tx;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            while (true) {
                if (pong != null) {
                    Poll<Integer> p = pong.poll(cx);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() != seq) {
                        throw new IllegalStateException("pong " + p.value() + " for ping " + seq);
                    }
                    pong = null;
                    seq++;
                }
                if (seq == ROUND_TRIPS) {
                    send(tx, STOP);
                    return Poll.ready(seq);
                }
                Oneshot.Channel<Ping> next = Oneshot.channel();
                Oneshot.Channel<Integer> reply = Oneshot.channel();
                send(tx, new Ping(seq, reply.sender(), next.receiver()));
                tx = next.sender();
                pong = reply.receiver();
            }
        }
    }

    static final class Ponger implements Future<Integer> {
        private Oneshot.Receiver<Ping> rx;
        private int served;

        Ponger(Oneshot.Receiver<Ping> rx) {
            this.rx = rx;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            while (true) {
                Poll<Ping> p = rx.poll(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                Ping ping = p.value();
                if (ping == STOP) {
                    return Poll.ready(served);
                }
                send(ping.reply(), ping.seq());
                served++;
                rx = ping.next();
            }
        }
    }

    private static <T> void send(Oneshot.Sender<T> tx, T value) {
        if (!tx.send(value)) {
            throw new IllegalStateException("oneshot receiver closed before the send");
        }
    }

    @Benchmark
    public int spindle(SpindleState s) {
        Oneshot.Channel<Ping> first = Oneshot.channel();
        JoinHandle<Integer> ponger = s.rt.spawn(new Ponger(first.receiver()));
        JoinHandle<Integer> pinger = s.rt.spawn(new Pinger(first.sender()));
        int pings = Check.await(pinger, "spindle oneshot ping-pong: pinger");
        int pongs = Check.await(ponger, "spindle oneshot ping-pong: ponger");
        Check.equal(ROUND_TRIPS, pings, "spindle oneshot ping-pong: round trips (pinger)");
        Check.equal(ROUND_TRIPS, pongs, "spindle oneshot ping-pong: round trips (ponger)");
        return pings;
    }

    // ---------------------------------------------------------------- CompletableFuture (ForkJoinPool, virtual threads)

    /** A ping over {@link CompletableFuture}s. */
    record CfPing(int seq, CompletableFuture<Integer> reply, CompletableFuture<CfPing> next) {
    }

    static final CfPing CF_STOP = new CfPing(-1, null, null);

    /**
     * The two parties as continuation chains on the pool: each side registers a {@code thenAcceptAsync} on the
     * future it waits for, so every message hops to a pool task, as a wake-up does in Spindle. (Non-async
     * {@code thenAccept} would run the other party inline on the completing thread, recursing 20,000 deep.)
     * A failed check completes {@code done} exceptionally, so it is not lost in an unobserved stage.
     */
    static final class CfGame {
        private final Executor pool;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        private CompletableFuture<CfPing> tx;
        private int served;

        CfGame(Executor pool, CompletableFuture<CfPing> first) {
            this.pool = pool;
            this.tx = first;
        }

        void serve(CompletableFuture<CfPing> rx) {
            rx.thenAcceptAsync(ping -> {
                if (ping == CF_STOP) {
                    if (served != ROUND_TRIPS) {
                        done.completeExceptionally(new IllegalStateException("ponger served " + served));
                    }
                    return;
                }
                served++;
                ping.reply().complete(ping.seq());
                serve(ping.next());
            }, pool);
        }

        void ping(int seq) {
            if (seq == ROUND_TRIPS) {
                tx.complete(CF_STOP);
                done.complete(seq);
                return;
            }
            CompletableFuture<CfPing> next = new CompletableFuture<>();
            CompletableFuture<Integer> reply = new CompletableFuture<>();
            reply.thenAcceptAsync(v -> {
                if (v != seq) {
                    done.completeExceptionally(new IllegalStateException("pong " + v + " for ping " + seq));
                    return;
                }
                ping(seq + 1);
            }, pool);
            CompletableFuture<CfPing> current = tx;
            tx = next;
            current.complete(new CfPing(seq, reply, next));
        }
    }

    @Benchmark
    public int forkJoin(ForkJoinState s) {
        CompletableFuture<CfPing> first = new CompletableFuture<>();
        CfGame game = new CfGame(s.pool, first);
        s.pool.execute(() -> game.serve(first));
        s.pool.execute(() -> game.ping(0));
        int pings = Check.await(game.done, "forkJoin oneshot ping-pong");
        Check.equal(ROUND_TRIPS, pings, "forkJoin oneshot ping-pong: round trips");
        return pings;
    }

    /** Two virtual threads; each message is a fresh {@link CompletableFuture}, awaited with a blocking {@code join()}. */
    @Benchmark
    public int virtualThreads(VirtualThreadState s) {
        CompletableFuture<CfPing> first = new CompletableFuture<>();
        java.util.concurrent.Future<Integer> ponger = s.executor.submit(() -> {
            CompletableFuture<CfPing> rx = first;
            int served = 0;
            while (true) {
                CfPing ping = rx.join();
                if (ping == CF_STOP) {
                    return served;
                }
                served++;
                ping.reply().complete(ping.seq());
                rx = ping.next();
            }
        });
        java.util.concurrent.Future<Integer> pinger = s.executor.submit(() -> {
            CompletableFuture<CfPing> tx = first;
            for (int seq = 0; seq < ROUND_TRIPS; seq++) {
                CompletableFuture<CfPing> next = new CompletableFuture<>();
                CompletableFuture<Integer> reply = new CompletableFuture<>();
                tx.complete(new CfPing(seq, reply, next));
                tx = next;
                int v = reply.join();
                if (v != seq) {
                    throw new IllegalStateException("pong " + v + " for ping " + seq);
                }
            }
            tx.complete(CF_STOP);
            return ROUND_TRIPS;
        });
        int pings = Check.await(pinger, "virtualThreads oneshot ping-pong: pinger");
        int pongs = Check.await(ponger, "virtualThreads oneshot ping-pong: ponger");
        Check.equal(ROUND_TRIPS, pings, "virtualThreads oneshot ping-pong: round trips (pinger)");
        Check.equal(ROUND_TRIPS, pongs, "virtualThreads oneshot ping-pong: round trips (ponger)");
        return pings;
    }

    // ---------------------------------------------------------------- Netty

    /** A ping over Netty promises. */
    record NettyPing(int seq, Promise<Integer> reply, Promise<NettyPing> next) {
    }

    static final NettyPing NETTY_STOP = new NettyPing(-1, null, null);

    /**
     * Pinger and ponger each on an event loop, each message a fresh {@link Promise} bound to the receiver's loop,
     * so its listener runs there. On two loops every message crosses threads (and wakes the other loop's
     * selector if it went idle); on one loop a promise completed on its own loop notifies its listener inline
     * (Netty re-queues once listeners nest 8 deep).
     */
    static final class NettyGame {
        private final EventLoop pingLoop;
        private final EventLoop pongLoop;
        final Promise<Integer> done;
        private Promise<NettyPing> tx;
        private int served;

        NettyGame(EventLoop pingLoop, EventLoop pongLoop, Promise<NettyPing> first) {
            this.pingLoop = pingLoop;
            this.pongLoop = pongLoop;
            this.done = pingLoop.newPromise();
            this.tx = first;
        }

        void serve(Promise<NettyPing> rx) {
            rx.addListener((FutureListener<NettyPing>) f -> {
                NettyPing ping = f.getNow();
                if (ping == NETTY_STOP) {
                    if (served != ROUND_TRIPS) {
                        done.tryFailure(new IllegalStateException("ponger served " + served));
                    }
                    return;
                }
                served++;
                ping.reply().setSuccess(ping.seq());
                serve(ping.next());
            });
        }

        void ping(int seq) {
            if (seq == ROUND_TRIPS) {
                tx.setSuccess(NETTY_STOP);
                done.trySuccess(seq);
                return;
            }
            Promise<NettyPing> next = pongLoop.newPromise();
            Promise<Integer> reply = pingLoop.newPromise();
            reply.addListener((FutureListener<Integer>) f -> {
                int v = f.getNow();
                if (v != seq) {
                    done.tryFailure(new IllegalStateException("pong " + v + " for ping " + seq));
                    return;
                }
                ping(seq + 1);
            });
            Promise<NettyPing> current = tx;
            tx = next;
            current.setSuccess(new NettyPing(seq, reply, next));
        }
    }

    /**
     * Both parties on one event loop: Netty's advice for handlers that talk to each other (its proxy example
     * registers the outbound channel on the inbound channel's loop). The loop's thread runs the whole game.
     */
    @Benchmark
    public int netty1Loop(NettyState s) {
        return playNetty(s.loops[0], s.loops[0], "netty1Loop oneshot ping-pong");
    }

    /** Pinger and ponger on different event loops: every message crosses threads. */
    @Benchmark
    public int netty2Loops(NettyState s) {
        return playNetty(s.loops[0], s.loops[1], "netty2Loops oneshot ping-pong");
    }

    private static int playNetty(EventLoop pingLoop, EventLoop pongLoop, String what) {
        Promise<NettyPing> first = pongLoop.newPromise();
        NettyGame game = new NettyGame(pingLoop, pongLoop, first);
        pongLoop.execute(() -> game.serve(first));
        pingLoop.execute(() -> game.ping(0));
        int pings = Check.await(game.done, what);
        Check.equal(ROUND_TRIPS, pings, what + ": round trips");
        return pings;
    }
}
