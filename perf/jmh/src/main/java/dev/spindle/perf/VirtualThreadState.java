package dev.spindle.perf;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A virtual-thread-per-task executor, one per trial. The carriers are the JDK's scheduler, whose parallelism
 * the benchmark forks set to 2 ({@code -Djdk.virtualThreadScheduler.parallelism=2}, see {@link Shapes#JVM_ARGS}).
 */
@State(Scope.Benchmark)
public class VirtualThreadState {
    public ExecutorService executor;

    @Setup(Level.Trial)
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close(); // waits for every thread; the benchmarks leave none running
    }
}
