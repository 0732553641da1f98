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

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shape 1: one task spawns {@value #TASKS} trivial tasks and waits for all of them; reported per task. Tokio's
 * counterpart is {@code spawn_many_local} (benches/rt_multi_threaded.rs).
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
     * Fork/join, the pool's native idiom: a task forks the tasks, then joins them newest first, so a task that
     * was not stolen is popped and run by the joiner itself (this is how fork/join avoids blocking a worker).
     */
    @Benchmark
    public long forkJoin(ForkJoinState s) {
        long sum = Check.await(s.pool.submit(() -> {
            @SuppressWarnings("unchecked")
            ForkJoinTask<Integer>[] tasks = (ForkJoinTask<Integer>[]) new ForkJoinTask<?>[TASKS];
            for (int i = 0; i < TASKS; i++) {
                tasks[i] = ForkJoinTask.adapt(Shapes.CALLABLE_ONE).fork();
            }
            long acc = 0;
            for (int i = TASKS - 1; i >= 0; i--) {
                acc += tasks[i].join();
            }
            return acc;
        }), "forkJoin spawn-inside");
        Check.equal(TASKS, sum, "forkJoin spawn-inside: sum of task results");
        return sum;
    }

    /** A virtual thread starts one virtual thread per task and blocks on each {@code Future.get()}. */
    @Benchmark
    public long virtualThreads(VirtualThreadState s) {
        long sum = Check.await(s.executor.submit(() -> {
            @SuppressWarnings("unchecked")
            java.util.concurrent.Future<Integer>[] fs = (java.util.concurrent.Future<Integer>[]) new java.util.concurrent.Future<?>[TASKS];
            for (int i = 0; i < TASKS; i++) {
                fs[i] = s.executor.submit(Shapes.CALLABLE_ONE);
            }
            long acc = 0;
            for (int i = 0; i < TASKS; i++) {
                acc += fs[i].get();
            }
            return acc;
        }), "virtualThreads spawn-inside");
        Check.equal(TASKS, sum, "virtualThreads spawn-inside: sum of task results");
        return sum;
    }

    /**
     * A task on one event loop hands {@code Runnable}s to {@code group.next()} (round robin over both loops).
     * Netty has no per-task handle; the idiom for "wait for all" is a countdown that completes a promise, which
     * costs less than a handle per task (so this favours Netty).
     */
    @Benchmark
    public long netty(NettyState s) {
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
        int n = Check.await(done, "netty spawn-inside");
        Check.equal(0, remaining.get(), "netty spawn-inside: tasks not run (or run twice)");
        return n;
    }
}
