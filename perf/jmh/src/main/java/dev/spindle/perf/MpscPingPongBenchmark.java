package dev.spindle.perf;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.sync.Mpsc;
import dev.spindle.sync.TrySendResult;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;

/**
 * Shape 5: two long-lived tasks play ping-pong over two bounded multi-producer channels (one per direction),
 * {@value #ROUND_TRIPS} round trips per operation. <b>Reported per message</b> (one send, one wake-up, one
 * receive), the unit of Tokio's mpsc numbers; a round trip is two messages, so it costs twice the reported time.
 *
 * <p>Peers: the JDK's asynchronous channel is {@link SubmissionPublisher} (delivering on the pool); for virtual
 * threads a blocking {@link ArrayBlockingQueue}; Netty has no channel type for in-process messages: its idiom is
 * to hand the message to the consumer's event loop with {@code execute()}, whose task queue is itself an MPSC
 * queue (so Netty gets no backpressure, and one lambda per message).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(2 * MpscPingPongBenchmark.ROUND_TRIPS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class MpscPingPongBenchmark {
    static final int ROUND_TRIPS = 10_000;
    static final int MESSAGES = 2 * ROUND_TRIPS;
    /** Capacity of each bounded channel (ping-pong never has more than one message in flight). */
    static final int CAPACITY = 64;

    // ---------------------------------------------------------------- Spindle

    /**
     * Hand-written futures over {@code pollRecv} and {@code trySend}, the non-allocating calls meant for them. In
     * ping-pong a channel never holds more than one message, so {@code trySend} cannot find it full; if it did,
     * that would be a bug and the benchmark throws.
     */
    private static void send(Mpsc.Sender<Integer> tx, Integer v) {
        TrySendResult r = tx.trySend(v);
        if (r != TrySendResult.OK) {
            throw new IllegalStateException("mpsc trySend: " + r + " (one message in flight at most)");
        }
    }

    static final class Pinger implements Future<Integer> {
        private final Mpsc.Sender<Integer> tx;
        private final Mpsc.Receiver<Integer> rx;
        private int seq;
        private boolean waiting;

        Pinger(Mpsc.Sender<Integer> tx, Mpsc.Receiver<Integer> rx) {
            this.tx = tx;
            this.rx = rx;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            while (true) {
                if (waiting) {
                    Poll<Integer> p = rx.pollRecv(cx);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    Integer v = p.value();
                    if (v == null || v != seq) {
                        throw new IllegalStateException("pong " + v + " for ping " + seq);
                    }
                    waiting = false;
                    seq++;
                }
                if (seq == ROUND_TRIPS) {
                    tx.close(); // the ponger sees the end of the stream
                    return Poll.ready(seq);
                }
                send(tx, seq);
                waiting = true;
            }
        }
    }

    static final class Ponger implements Future<Integer> {
        private final Mpsc.Sender<Integer> tx;
        private final Mpsc.Receiver<Integer> rx;
        private int served;

        Ponger(Mpsc.Sender<Integer> tx, Mpsc.Receiver<Integer> rx) {
            this.tx = tx;
            this.rx = rx;
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            while (true) {
                Poll<Integer> p = rx.pollRecv(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                Integer v = p.value();
                if (v == null) { // closed and drained
                    tx.close();
                    return Poll.ready(served);
                }
                send(tx, v);
                served++;
            }
        }
    }

    @Benchmark
    public int spindle(SpindleState s) {
        Mpsc.Channel<Integer> pings = Mpsc.bounded(CAPACITY);
        Mpsc.Channel<Integer> pongs = Mpsc.bounded(CAPACITY);
        JoinHandle<Integer> ponger = s.rt.spawn(new Ponger(pongs.sender(), pings.receiver()));
        JoinHandle<Integer> pinger = s.rt.spawn(new Pinger(pings.sender(), pongs.receiver()));
        int n = Check.await(pinger, "spindle mpsc ping-pong: pinger");
        int m = Check.await(ponger, "spindle mpsc ping-pong: ponger");
        Check.equal(ROUND_TRIPS, n, "spindle mpsc ping-pong: round trips (pinger)");
        Check.equal(ROUND_TRIPS, m, "spindle mpsc ping-pong: round trips (ponger)");
        return n + m;
    }

    // ---------------------------------------------------------------- ForkJoinPool: SubmissionPublisher

    /** A subscriber that requests everything up front and hands each item to {@link #onItem}. */
    abstract static class Party implements Flow.Subscriber<Integer> {
        final CompletableFuture<Integer> done;

        Party(CompletableFuture<Integer> done) {
            this.done = done;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Integer item) {
            try {
                onItem(item);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                throw e;
            }
        }

        abstract void onItem(int item);

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
        }
    }

    /**
     * Each direction is a {@link SubmissionPublisher} on the pool: {@code submit} buffers the item and, if the
     * subscriber's consumer task is idle, schedules it on the pool, which is a send + wake-up. The consumer calls
     * {@code onNext} for the pinger or ponger.
     */
    @Benchmark
    public int forkJoin(ForkJoinState s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        try (SubmissionPublisher<Integer> pings = new SubmissionPublisher<>(s.pool, CAPACITY);
             SubmissionPublisher<Integer> pongs = new SubmissionPublisher<>(s.pool, CAPACITY)) {
            pings.subscribe(new Party(done) {
                @Override
                void onItem(int item) {
                    pongs.submit(item);
                }
            });
            pongs.subscribe(new Party(done) {
                private int seq;

                @Override
                void onItem(int item) {
                    if (item != seq) {
                        throw new IllegalStateException("pong " + item + " for ping " + seq);
                    }
                    if (++seq == ROUND_TRIPS) {
                        done.complete(seq);
                    } else {
                        pings.submit(seq);
                    }
                }
            });
            pings.submit(0);
            int n = Check.await(done, "forkJoin mpsc ping-pong");
            Check.equal(ROUND_TRIPS, n, "forkJoin mpsc ping-pong: round trips");
            return n;
        }
    }

    // ---------------------------------------------------------------- virtual threads: blocking queues

    static final Integer STOP = -1;

    /** Two virtual threads over two {@link ArrayBlockingQueue}s: blocking {@code put} and {@code take}. */
    @Benchmark
    public int virtualThreads(VirtualThreadState s) {
        BlockingQueue<Integer> pings = new ArrayBlockingQueue<>(CAPACITY);
        BlockingQueue<Integer> pongs = new ArrayBlockingQueue<>(CAPACITY);
        java.util.concurrent.Future<Integer> ponger = s.executor.submit(() -> {
            int served = 0;
            for (Integer v; (v = pings.take()) != STOP; served++) {
                pongs.put(v);
            }
            return served;
        });
        java.util.concurrent.Future<Integer> pinger = s.executor.submit(() -> {
            for (int seq = 0; seq < ROUND_TRIPS; seq++) {
                pings.put(seq);
                int v = pongs.take();
                if (v != seq) {
                    throw new IllegalStateException("pong " + v + " for ping " + seq);
                }
            }
            pings.put(STOP);
            return ROUND_TRIPS;
        });
        int n = Check.await(pinger, "virtualThreads mpsc ping-pong: pinger");
        int m = Check.await(ponger, "virtualThreads mpsc ping-pong: ponger");
        Check.equal(ROUND_TRIPS, n, "virtualThreads mpsc ping-pong: round trips (pinger)");
        Check.equal(ROUND_TRIPS, m, "virtualThreads mpsc ping-pong: round trips (ponger)");
        return n + m;
    }

    // ---------------------------------------------------------------- Netty: execute() on the consumer's loop

    /** A message is an {@code execute()} on the receiver's loop. */
    static final class NettyGame {
        private final EventLoop pingLoop;
        private final EventLoop pongLoop;
        final Promise<Integer> done;
        private int seq;     // pinger's, on pingLoop
        private int served;  // ponger's, on pongLoop

        NettyGame(EventLoop pingLoop, EventLoop pongLoop) {
            this.pingLoop = pingLoop;
            this.pongLoop = pongLoop;
            this.done = pingLoop.newPromise();
        }

        void onPing(int v) {
            served++;
            pingLoop.execute(() -> onPong(v));
        }

        void onPong(int v) {
            if (v != seq) {
                done.tryFailure(new IllegalStateException("pong " + v + " for ping " + seq));
                return;
            }
            if (++seq == ROUND_TRIPS) {
                pongLoop.execute(() -> done.trySuccess(served));
                return;
            }
            int next = seq;
            pongLoop.execute(() -> onPing(next));
        }
    }

    /**
     * Both parties on one event loop: Netty's advice for handlers that talk to each other (its proxy example
     * registers the outbound channel on the inbound channel's loop). The loop's thread runs the whole game.
     */
    @Benchmark
    public int netty1Loop(NettyState s) {
        return playNetty(s.loops[0], s.loops[0], "netty1Loop mpsc ping-pong");
    }

    /** Pinger and ponger on different event loops: every message crosses threads. */
    @Benchmark
    public int netty2Loops(NettyState s) {
        return playNetty(s.loops[0], s.loops[1], "netty2Loops mpsc ping-pong");
    }

    private static int playNetty(EventLoop pingLoop, EventLoop pongLoop, String what) {
        NettyGame game = new NettyGame(pingLoop, pongLoop);
        pongLoop.execute(() -> game.onPing(0));
        int served = Check.await(game.done, what);
        Check.equal(ROUND_TRIPS, served, what + ": pings served");
        return served;
    }
}
