package dev.spindle.perf;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * Two {@link ForkJoinPool}s of parallelism 2, one per trial (a pool starts its threads lazily, so the one a
 * benchmark does not use costs nothing):
 * <ul>
 *   <li>{@link #pool}: {@code asyncMode = true}, FIFO for locally forked tasks never joined, which is what
 *       event-style tasks want (the JDK's virtual-thread scheduler is such a pool). <b>Every</b> {@code forkJoin*}
 *       method of every shape uses this pool, so the shapes compare one configuration of ForkJoinPool (in the
 *       yield shape, LIFO would make a re-submitted task run again at once instead of yielding);</li>
 *   <li>{@link #lifoPool}: the default LIFO mode, made for fork/join (a joiner pops its own forked tasks). Used
 *       only by methods named {@code ...Lifo} ({@code SpawnInsideBenchmark.forkJoinLifo}), to show what the
 *       mode is worth where it matters.</li>
 * </ul>
 */
@State(Scope.Benchmark)
public class ForkJoinState {
    static final int PARALLELISM = 2;

    /** {@code asyncMode = true}: the pool of every {@code forkJoin*} method. */
    public ForkJoinPool pool;
    /** The default (LIFO) mode: only for the {@code ...Lifo} methods. */
    public ForkJoinPool lifoPool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ForkJoinPool(PARALLELISM, ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, true);
        lifoPool = new ForkJoinPool(PARALLELISM);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pool.shutdownNow();
        lifoPool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        lifoPool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
