package dev.spindle.perf;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.Poll;
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

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Shape 3: {@value #TASKS} tasks each yield {@value #YIELDS} times; reported per yield. A root task spawns the
 * yielders (so they start spread over the workers' queues) and waits for all. Tokio's counterpart is
 * {@code yield_many}. Spawning costs 1/1000 of a yield here and is not subtracted.
 *
 * <p>A yield gives the thread back to the scheduler and puts the task behind the others that are ready:
 * Spindle re-schedules the woken task at the back of the queue, virtual threads use {@code Thread.yield()}, a
 * ForkJoinPool or Netty task re-submits itself.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(YieldBenchmark.TASKS * YieldBenchmark.YIELDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class YieldBenchmark {
    static final int TASKS = 1_000;
    static final int YIELDS = 1_000;
    static final long TOTAL = (long) TASKS * YIELDS;

    /** A hand-written state machine awaiting {@code Futures.yieldNow()} {@value #YIELDS} times. */
    static final class Yielder implements Future<Integer> {
        private int done;
        private Future<Void> current;

        @Override
        public Poll<Integer> poll(Context cx) {
            while (true) {
                if (current != null) {
                    if (current.poll(cx).isPending()) {
                        return Poll.pending();
                    }
                    current = null;
                    done++;
                }
                if (done == YIELDS) {
                    return Poll.ready(done);
                }
                current = Futures.yieldNow();
            }
        }
    }

    /**
     * The same without the yield future: wake the own waker and return {@code Pending}, which is what
     * {@code yieldNow()} does inside. Measures the runtime's wake and re-poll alone; with {@code -prof gc} it
     * shows what the runtime allocates per wake (the claim is: nothing).
     */
    static final class SelfWaker implements Future<Integer> {
        private int polls;

        @Override
        public Poll<Integer> poll(Context cx) {
            if (polls++ == YIELDS) {
                return Poll.ready(YIELDS);
            }
            cx.waker().wake();
            return Poll.pending();
        }
    }

    @Benchmark
    public long spindle(SpindleState s) {
        long sum = Check.await(s.rt.spawn(new Shapes.SpawnAndAwait(s.rt, TASKS, Yielder::new)), "spindle yield");
        Check.equal(TOTAL, sum, "spindle yield: yields completed");
        return sum;
    }

    @Benchmark
    public long spindleSelfWake(SpindleState s) {
        long sum = Check.await(s.rt.spawn(new Shapes.SpawnAndAwait(s.rt, TASKS, SelfWaker::new)), "spindle self-wake");
        Check.equal(TOTAL, sum, "spindle self-wake: yields completed");
        return sum;
    }

    /**
     * A yielder for the executors that have no yield: a {@code Runnable} that re-submits itself {@value #YIELDS}
     * times, then adds its count to {@code yields}; the one that brings {@code remaining} to zero passes the total
     * to {@code done}.
     */
    static final class Resubmitter implements Runnable {
        private final Executor executor;
        private final AtomicInteger remaining;
        private final AtomicLong yields;
        private final Consumer<Long> done;
        private int count;

        Resubmitter(Executor executor, AtomicInteger remaining, AtomicLong yields, Consumer<Long> done) {
            this.executor = executor;
            this.remaining = remaining;
            this.yields = yields;
            this.done = done;
        }

        @Override
        public void run() {
            if (count < YIELDS) {
                count++;
                executor.execute(this);
                return;
            }
            yields.addAndGet(count);
            if (remaining.decrementAndGet() == 0) {
                done.accept(yields.get());
            }
        }
    }

    /**
     * {@link Resubmitter}s on the FIFO ({@code asyncMode}) pool: {@code pool.execute(this)} from a worker pushes
     * the task on that worker's own queue. In the default LIFO mode the re-submitted task would be popped again at
     * once, which is not a yield. Awkward for FJP: it has no yield, so each "yield" wraps the runnable in a new
     * adapter task.
     */
    @Benchmark
    public long forkJoin(ForkJoinState s) {
        ForkJoinPool pool = s.pool;
        AtomicInteger remaining = new AtomicInteger(TASKS);
        AtomicLong yields = new AtomicLong();
        CompletableFuture<Long> done = new CompletableFuture<>();
        pool.execute(() -> {
            for (int i = 0; i < TASKS; i++) {
                pool.execute(new Resubmitter(pool, remaining, yields, done::complete));
            }
        });
        long sum = Check.await(done, "forkJoin yield");
        Check.equal(TOTAL, sum, "forkJoin yield: yields completed");
        return sum;
    }

    /** Virtual threads calling {@code Thread.yield()}, which yields the carrier to the other virtual threads. */
    @Benchmark
    public long virtualThreads(VirtualThreadState s) {
        long sum = Check.await(Shapes.submitAndAwait(s.executor, TASKS, () -> {
            int n = 0;
            for (; n < YIELDS; n++) {
                Thread.yield();
            }
            return n;
        }), "virtualThreads yield");
        Check.equal(TOTAL, sum, "virtualThreads yield: yields completed");
        return sum;
    }

    /**
     * Both event loops: a task on the first loop spreads the {@link Resubmitter}s over the group
     * ({@code group.next()}, round robin), and each re-executes itself on its own loop: it goes to the back of the
     * loop's task queue.
     */
    @Benchmark
    public long netty2Loops(NettyState s) {
        AtomicInteger remaining = new AtomicInteger(TASKS);
        AtomicLong yields = new AtomicLong();
        Promise<Long> done = s.loops[0].newPromise();
        s.loops[0].execute(() -> {
            for (int i = 0; i < TASKS; i++) {
                EventLoop loop = s.group.next();
                loop.execute(new Resubmitter(loop, remaining, yields, done::setSuccess));
            }
        });
        long sum = Check.await(done, "netty2Loops yield");
        Check.equal(TOTAL, sum, "netty2Loops yield: yields completed");
        return sum;
    }
}
