package dev.spindle.perf;

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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shape 1: one task spawns {@value #TASKS} trivial tasks and waits for all of them; reported per task. Tokio's
 * counterpart is {@code spawn_many_local} (benches/rt_multi_threaded.rs).
 *
 * <p>Same work per task for every peer in the methods without a suffix: each task produces a result (1) through
 * a per-task handle (Spindle {@code JoinHandle}, {@link ForkJoinTask}, virtual-thread {@code Future}, Netty
 * {@code submit()} future), and the spawning task awaits every handle and sums the results. The
 * {@code ...Runnable} methods are the cheaper idiom without handles: bare {@code Runnable}s and a shared
 * countdown that completes one future at the end. {@code forkJoinLifo} is {@code forkJoin} on the default
 * (LIFO) pool, joining newest first, the idiom that pool is made for; every other {@code forkJoin*} method uses
 * the {@code asyncMode} pool (see {@link ForkJoinState}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(SpawnInsideBenchmark.TASKS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class SpawnInsideBenchmark {
    static final int TASKS = 10_000;

    /** A task spawns the tasks (into its worker's local queue) and awaits each handle by polling it. */
    @Benchmark
    public long spindle(SpindleState s) {
        long sum = Check.await(s.rt.spawn(new Shapes.SpawnAndAwait(s.rt, TASKS, () -> Shapes.SPINDLE_ONE)),
                "spindle spawn-inside");
        Check.equal(TASKS, sum, "spindle spawn-inside: sum of task results");
        return sum;
    }

    /**
     * A task forks the tasks ({@code ForkJoinTask.adapt(callable).fork()}, into its worker's queue) and joins
     * them in spawn order, as the other peers await theirs. On the {@code asyncMode} pool.
     */
    @Benchmark
    public long forkJoin(ForkJoinState s) {
        return forkAndJoin(s.pool, false, "forkJoin spawn-inside");
    }

    /**
     * Fork/join on the default (LIFO) pool, the pool's native idiom: fork the tasks, then join them newest first,
     * so a task that was not stolen is popped and run by the joiner itself.
     */
    @Benchmark
    public long forkJoinLifo(ForkJoinState s) {
        return forkAndJoin(s.lifoPool, true, "forkJoinLifo spawn-inside");
    }

    private static long forkAndJoin(ForkJoinPool pool, boolean newestFirst, String what) {
        long sum = Check.await(pool.submit(() -> {
            @SuppressWarnings("unchecked")
            ForkJoinTask<Integer>[] tasks = (ForkJoinTask<Integer>[]) new ForkJoinTask<?>[TASKS];
            for (int i = 0; i < TASKS; i++) {
                tasks[i] = ForkJoinTask.adapt(Shapes.CALLABLE_ONE).fork();
            }
            long acc = 0;
            if (newestFirst) {
                for (int i = TASKS - 1; i >= 0; i--) {
                    acc += tasks[i].join();
                }
            } else {
                for (int i = 0; i < TASKS; i++) {
                    acc += tasks[i].join();
                }
            }
            return acc;
        }), what);
        Check.equal(TASKS, sum, what + ": sum of task results");
        return sum;
    }

    /**
     * Bare {@code Runnable}s, no handle: a task on the {@code asyncMode} pool {@code execute()}s them (from a
     * worker they go to its own queue); the last one to finish completes a {@link CompletableFuture}.
     */
    @Benchmark
    public long forkJoinRunnable(ForkJoinState s) {
        ForkJoinPool pool = s.pool;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(TASKS);
        Runnable task = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.complete(TASKS);
            }
        };
        pool.execute(() -> {
            for (int i = 0; i < TASKS; i++) {
                pool.execute(task);
            }
        });
        int n = Check.await(done, "forkJoinRunnable spawn-inside");
        Check.equal(0, remaining.get(), "forkJoinRunnable spawn-inside: tasks not run (or run twice)");
        return n;
    }

    /** A virtual thread starts one virtual thread per task and blocks on each {@code Future.get()}. */
    @Benchmark
    public long virtualThreads(VirtualThreadState s) {
        long sum = Check.await(Shapes.submitAndAwait(s.executor, TASKS, Shapes.CALLABLE_ONE),
                "virtualThreads spawn-inside");
        Check.equal(TASKS, sum, "virtualThreads spawn-inside: sum of task results");
        return sum;
    }

    /**
     * A task on the first event loop {@code submit()}s the tasks to {@code group.next()} (round robin over
     * <b>both</b> loops), then awaits each task's future in order without blocking its loop ({@link NettyAwaitAll}:
     * a listener on a future not yet done resumes it).
     */
    @Benchmark
    public long netty2Loops(NettyState s) {
        EventLoop first = s.loops[0];
        @SuppressWarnings("unchecked")
        io.netty.util.concurrent.Future<Integer>[] fs =
                (io.netty.util.concurrent.Future<Integer>[]) new io.netty.util.concurrent.Future<?>[TASKS];
        NettyAwaitAll awaiter = new NettyAwaitAll(first, fs);
        first.execute(() -> {
            for (int i = 0; i < TASKS; i++) {
                fs[i] = s.group.next().submit(Shapes.CALLABLE_ONE);
            }
            awaiter.run();
        });
        long sum = Check.await(awaiter.done, "netty2Loops spawn-inside");
        Check.equal(TASKS, sum, "netty2Loops spawn-inside: sum of task results");
        return sum;
    }

    /**
     * Bare {@code Runnable}s, no handle: a task on the first event loop hands them to {@code group.next()} (round
     * robin over both loops); the last one to finish completes a promise.
     */
    @Benchmark
    public long netty2LoopsRunnable(NettyState s) {
        EventLoop first = s.loops[0];
        Promise<Integer> done = first.newPromise();
        AtomicInteger remaining = new AtomicInteger(TASKS);
        Runnable task = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.setSuccess(TASKS);
            }
        };
        first.execute(() -> {
            for (int i = 0; i < TASKS; i++) {
                s.group.next().execute(task);
            }
        });
        int n = Check.await(done, "netty2LoopsRunnable spawn-inside");
        Check.equal(0, remaining.get(), "netty2LoopsRunnable spawn-inside: tasks not run (or run twice)");
        return n;
    }
}
