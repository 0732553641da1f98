package dev.spindle.perf;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.sync.Oneshot;
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

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.TimeUnit;

/**
 * Shape 6: a chain of {@value #LENGTH} tasks, each spawning the next and finishing; the benchmark thread waits
 * for the last. Reported per task. Only one task of the chain is alive at a time, so this measures spawn plus
 * the hand-over to whichever thread runs the new task. Tokio's counterpart is {@code chained_spawn}.
 *
 * <p>Same work per link for every peer in the methods without a suffix: each link is a task with a handle that
 * holds its result (Spindle {@code JoinHandle}, {@link RecursiveTask}, virtual-thread and Netty {@code submit()}
 * futures); the last link completes the one future the benchmark thread waits for. The {@code ...Runnable}
 * methods are the cheaper idiom: bare {@code Runnable}s, no handle.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ChainedSpawnBenchmark.LENGTH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class ChainedSpawnBenchmark {
    static final int LENGTH = 1_000;

    /** Link number {@code index} (1-based) of the chain; the last sends its index on {@code done}. */
    static final class Link implements Future<Void> {
        private final SpindleRuntime rt;
        private final int index;
        private final Oneshot.Sender<Integer> done;

        Link(SpindleRuntime rt, int index, Oneshot.Sender<Integer> done) {
            this.rt = rt;
            this.index = index;
            this.done = done;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            if (index == LENGTH) {
                if (!done.send(index)) {
                    throw new IllegalStateException("chain: nobody waits for the end");
                }
            } else {
                rt.spawn(new Link(rt, index + 1, done));
            }
            return Poll.readyNull();
        }
    }

    /** The benchmark thread awaits a oneshot for the end of the chain ({@code blockOn}, with a timeout). */
    @Benchmark
    public int spindle(SpindleState s) {
        Oneshot.Channel<Integer> done = Oneshot.channel();
        s.rt.spawn(new Link(s.rt, 1, done.sender()));
        int last = Check.await(s.rt.spawn(done.receiver()), "spindle chained spawn");
        Check.equal(LENGTH, last, "spindle chained spawn: tasks in the chain");
        return last;
    }

    /**
     * A {@link RecursiveTask} per link: {@code fork()} of the next from the running task pushes it on that
     * worker's own queue; each link's task holds its result, as a Spindle task's handle does.
     */
    static final class FjTaskLink extends RecursiveTask<Integer> {
        private static final long serialVersionUID = 1L;
        private final int index;
        private final transient CompletableFuture<Integer> done;

        FjTaskLink(int index, CompletableFuture<Integer> done) {
            this.index = index;
            this.done = done;
        }

        @Override
        protected Integer compute() {
            if (index == LENGTH) {
                done.complete(index);
            } else {
                new FjTaskLink(index + 1, done).fork();
            }
            return Shapes.ONE; // a constant, like the Spindle link's readyNull: no boxing per link
        }
    }

    /** Each link a {@link RecursiveTask} forked by the previous one, on the {@code asyncMode} pool. */
    @Benchmark
    public int forkJoin(ForkJoinState s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.pool.execute(new FjTaskLink(1, done));
        int last = Check.await(done, "forkJoin chained spawn");
        Check.equal(LENGTH, last, "forkJoin chained spawn: tasks in the chain");
        return last;
    }

    /** Bare {@code Runnable}, no handle: {@code pool.execute(next)} from the running task (its worker's queue). */
    static final class FjLink implements Runnable {
        private final ExecutorService pool;
        private final int index;
        private final CompletableFuture<Integer> done;

        FjLink(ExecutorService pool, int index, CompletableFuture<Integer> done) {
            this.pool = pool;
            this.index = index;
            this.done = done;
        }

        @Override
        public void run() {
            if (index == LENGTH) {
                done.complete(index);
            } else {
                pool.execute(new FjLink(pool, index + 1, done));
            }
        }
    }

    /** Bare {@code Runnable}s on the {@code asyncMode} pool. */
    @Benchmark
    public int forkJoinRunnable(ForkJoinState s) {
        ForkJoinPool pool = s.pool;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        pool.execute(new FjLink(pool, 1, done));
        int last = Check.await(done, "forkJoinRunnable chained spawn");
        Check.equal(LENGTH, last, "forkJoinRunnable chained spawn: tasks in the chain");
        return last;
    }

    /**
     * A {@code Callable} per link, {@code submit()}ted by the previous one: on the virtual-thread executor, a
     * thread and a {@code Future} per link; on a Netty event loop, a {@code submit()} future per link.
     */
    static final class CallableLink implements Callable<Integer> {
        private final ExecutorService executor;
        private final int index;
        private final CompletableFuture<Integer> done;

        CallableLink(ExecutorService executor, int index, CompletableFuture<Integer> done) {
            this.executor = executor;
            this.index = index;
            this.done = done;
        }

        @Override
        public Integer call() {
            if (index == LENGTH) {
                done.complete(index);
            } else {
                executor.submit(new CallableLink(executor, index + 1, done));
            }
            return Shapes.ONE; // a constant, like the Spindle link's readyNull: no boxing per link
        }
    }

    /** Each virtual thread submits the next one and ends. */
    @Benchmark
    public int virtualThreads(VirtualThreadState s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.executor.submit(new CallableLink(s.executor, 1, done));
        int last = Check.await(done, "virtualThreads chained spawn");
        Check.equal(LENGTH, last, "virtualThreads chained spawn: tasks in the chain");
        return last;
    }

    /**
     * Each task {@code submit()}s the next on its own event loop (the {@code ctx.executor()} idiom): one loop
     * only, the chain never crosses to the other.
     */
    @Benchmark
    public int netty1Loop(NettyState s) {
        EventLoop loop = s.group.next();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        loop.submit(new CallableLink(loop, 1, done));
        int last = Check.await(done, "netty1Loop chained spawn");
        Check.equal(LENGTH, last, "netty1Loop chained spawn: tasks in the chain");
        return last;
    }

    /** Bare {@code Runnable}, no handle: each task executes the next on its own event loop. */
    static final class NettyLink implements Runnable {
        private final EventLoop loop;
        private final int index;
        private final Promise<Integer> done;

        NettyLink(EventLoop loop, int index, Promise<Integer> done) {
            this.loop = loop;
            this.index = index;
            this.done = done;
        }

        @Override
        public void run() {
            if (index == LENGTH) {
                done.setSuccess(index);
            } else {
                loop.execute(new NettyLink(loop, index + 1, done));
            }
        }
    }

    /** Bare {@code Runnable}s on one event loop. */
    @Benchmark
    public int netty1LoopRunnable(NettyState s) {
        EventLoop loop = s.group.next();
        Promise<Integer> done = loop.newPromise();
        loop.execute(new NettyLink(loop, 1, done));
        int last = Check.await(done, "netty1LoopRunnable chained spawn");
        Check.equal(LENGTH, last, "netty1LoopRunnable chained spawn: tasks in the chain");
        return last;
    }
}
