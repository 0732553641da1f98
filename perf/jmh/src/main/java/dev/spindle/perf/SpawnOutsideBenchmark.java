package dev.spindle.perf;

import dev.spindle.JoinHandle;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shape 2: the benchmark thread (not part of any pool) spawns {@value #TASKS} trivial tasks and waits for all
 * of them; reported per task. Every spawn crosses from a foreign thread into the pool's shared (inject /
 * submission) queue. Tokio's counterpart is {@code spawn_many_remote_idle}.
 *
 * <p>Same work per task for every peer in the methods without a suffix: each task produces a result (1) through
 * a per-task handle (Spindle {@code JoinHandle}, {@link ForkJoinTask}, virtual-thread {@code Future}, Netty
 * {@code submit()} future) that the benchmark thread joins. The {@code ...Runnable} methods are the cheaper
 * idiom without handles: bare {@code Runnable}s and a shared countdown completing one future at the end.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(SpawnOutsideBenchmark.TASKS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = Shapes.JVM_ARGS)
public class SpawnOutsideBenchmark {
    static final int TASKS = 10_000;

    /** Spawn every task, then {@code join()} each handle (most are done by then). */
    @Benchmark
    public long spindle(SpindleState s) {
        @SuppressWarnings("unchecked")
        JoinHandle<Integer>[] handles = (JoinHandle<Integer>[]) new JoinHandle<?>[TASKS];
        for (int i = 0; i < TASKS; i++) {
            handles[i] = s.rt.spawn(Shapes.SPINDLE_ONE);
        }
        Check.await(handles[TASKS - 1], "spindle spawn-outside"); // fail, rather than hang, on a lost wake-up
        long sum = 0;
        for (JoinHandle<Integer> h : handles) {
            sum += h.join();
        }
        Check.equal(TASKS, sum, "spindle spawn-outside: sum of task results");
        return sum;
    }

    /** External {@code submit} of each task (a {@link ForkJoinTask} per task), then {@code join()} each. */
    @Benchmark
    public long forkJoin(ForkJoinState s) {
        @SuppressWarnings("unchecked")
        ForkJoinTask<Integer>[] tasks = (ForkJoinTask<Integer>[]) new ForkJoinTask<?>[TASKS];
        for (int i = 0; i < TASKS; i++) {
            tasks[i] = s.pool.submit(Shapes.CALLABLE_ONE);
        }
        Check.await(tasks[TASKS - 1], "forkJoin spawn-outside");
        long sum = 0;
        for (ForkJoinTask<Integer> t : tasks) {
            sum += t.join();
        }
        Check.equal(TASKS, sum, "forkJoin spawn-outside: sum of task results");
        return sum;
    }

    /**
     * Bare {@code Runnable}s, no handle: external {@code execute()} of each task; the last one to finish
     * completes a {@link CompletableFuture} the benchmark thread waits for.
     */
    @Benchmark
    public long forkJoinRunnable(ForkJoinState s) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(TASKS);
        Runnable task = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.complete(TASKS);
            }
        };
        for (int i = 0; i < TASKS; i++) {
            s.pool.execute(task);
        }
        int n = Check.await(done, "forkJoinRunnable spawn-outside");
        Check.equal(0, remaining.get(), "forkJoinRunnable spawn-outside: tasks not run (or run twice)");
        return n;
    }

    /** One virtual thread per task, then {@code get()} each. */
    @Benchmark
    public long virtualThreads(VirtualThreadState s) throws InterruptedException, ExecutionException {
        @SuppressWarnings("unchecked")
        java.util.concurrent.Future<Integer>[] fs = (java.util.concurrent.Future<Integer>[]) new java.util.concurrent.Future<?>[TASKS];
        for (int i = 0; i < TASKS; i++) {
            fs[i] = s.executor.submit(Shapes.CALLABLE_ONE);
        }
        Check.await(fs[TASKS - 1], "virtualThreads spawn-outside");
        long sum = 0;
        for (java.util.concurrent.Future<Integer> f : fs) {
            sum += f.get();
        }
        Check.equal(TASKS, sum, "virtualThreads spawn-outside: sum of task results");
        return sum;
    }

    /**
     * {@code group.next().submit(task)} for each task (round robin over <b>both</b> event loops), then
     * {@code get()} each future, as the other peers join their handles.
     */
    @Benchmark
    public long netty2Loops(NettyState s) throws InterruptedException, ExecutionException {
        @SuppressWarnings("unchecked")
        io.netty.util.concurrent.Future<Integer>[] fs =
                (io.netty.util.concurrent.Future<Integer>[]) new io.netty.util.concurrent.Future<?>[TASKS];
        for (int i = 0; i < TASKS; i++) {
            fs[i] = s.group.next().submit(Shapes.CALLABLE_ONE);
        }
        Check.await(fs[TASKS - 1], "netty2Loops spawn-outside");
        long sum = 0;
        for (io.netty.util.concurrent.Future<Integer> f : fs) {
            sum += f.get();
        }
        Check.equal(TASKS, sum, "netty2Loops spawn-outside: sum of task results");
        return sum;
    }

    /**
     * Bare {@code Runnable}s, no handle: {@code group.next().execute(task)} for each task (round robin over both
     * event loops); the last one to finish completes a promise the benchmark thread waits for.
     */
    @Benchmark
    public long netty2LoopsRunnable(NettyState s) {
        Promise<Integer> done = s.loops[0].newPromise();
        AtomicInteger remaining = new AtomicInteger(TASKS);
        Runnable task = () -> {
            if (remaining.decrementAndGet() == 0) {
                done.setSuccess(TASKS);
            }
        };
        for (int i = 0; i < TASKS; i++) {
            s.group.next().execute(task);
        }
        int n = Check.await(done, "netty2LoopsRunnable spawn-outside");
        Check.equal(0, remaining.get(), "netty2LoopsRunnable spawn-outside: tasks not run (or run twice)");
        return n;
    }
}
