package dev.spindle.perf;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** Constants and small pieces shared by the benchmark classes. */
final class Shapes {
    /**
     * JVM flags of every benchmark fork: two carrier threads for virtual threads, as every other peer gets two
     * threads. (Command-line {@code -jvmArgsAppend} adds to these.)
     */
    static final String JVM_ARGS = "-Djdk.virtualThreadScheduler.parallelism=2";

    /** The result of a trivial task. */
    static final Integer ONE = 1;

    private static final Poll<Integer> READY_ONE = Poll.ready(ONE);

    /**
     * A trivial Spindle task: ready with 1 on its first poll. Stateless, so one instance serves every spawn (as
     * an empty {@code async {}} block costs Tokio nothing beyond the task itself).
     */
    static final Future<Integer> SPINDLE_ONE = cx -> READY_ONE;

    /** The same trivial task for the JDK executors; stateless and shared, as above. */
    static final Callable<Integer> CALLABLE_ONE = () -> ONE;

    private Shapes() {
    }

    /**
     * The virtual-thread counterpart of {@link SpawnAndAwait}: a thread of {@code executor} submits {@code n}
     * copies of {@code task}, then blocks on each future in order, summing their results.
     */
    static java.util.concurrent.Future<Long> submitAndAwait(ExecutorService executor, int n, Callable<Integer> task) {
        return executor.submit(() -> {
            @SuppressWarnings("unchecked")
            java.util.concurrent.Future<Integer>[] fs =
                    (java.util.concurrent.Future<Integer>[]) new java.util.concurrent.Future<?>[n];
            for (int i = 0; i < n; i++) {
                fs[i] = executor.submit(task);
            }
            long acc = 0;
            for (int i = 0; i < n; i++) {
                acc += fs[i].get();
            }
            return acc;
        });
    }

    /**
     * A Spindle task body that spawns {@code n} tasks from {@code factory} (from inside the runtime: they go to
     * the worker's local queue, overflowing to the shared one) and then awaits every handle in order, summing
     * their results. Awaiting polls the handles; it never blocks a worker. A handle that is not done registers
     * this task's waker and the poll returns; the next poll resumes at the same handle.
     */
    static final class SpawnAndAwait implements Future<Long> {
        private final SpindleRuntime rt;
        private final int n;
        private final Supplier<? extends Future<Integer>> factory;
        private JoinHandle<Integer>[] handles;
        private int next;
        private long sum;

        SpawnAndAwait(SpindleRuntime rt, int n, Supplier<? extends Future<Integer>> factory) {
            this.rt = rt;
            this.n = n;
            this.factory = factory;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Poll<Long> poll(Context cx) {
            if (handles == null) {
                handles = (JoinHandle<Integer>[]) new JoinHandle<?>[n];
                for (int i = 0; i < n; i++) {
                    handles[i] = rt.spawn(factory.get());
                }
            }
            while (next < n) {
                Poll<Integer> p = handles[next].poll(cx);
                if (p.isPending()) {
                    return Poll.pending();
                }
                sum += p.value();
                handles[next++] = null;
            }
            return Poll.ready(sum);
        }
    }
}
