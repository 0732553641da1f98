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
 *   <li>{@link #pool}: the default LIFO mode, made for fork/join (a joiner pops its own forked tasks);</li>
 *   <li>{@link #fifoPool}: {@code asyncMode = true}, FIFO for locally forked tasks never joined, which is what
 *       event-style tasks want (the JDK's virtual-thread scheduler is such a pool). Used by the yield shape,
 *       where LIFO would make a re-forked task run again at once instead of yielding.</li>
 * </ul>
 */
@State(Scope.Benchmark)
public class ForkJoinState {
    static final int PARALLELISM = 2;

    public ForkJoinPool pool;
    public ForkJoinPool fifoPool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ForkJoinPool(PARALLELISM);
        fifoPool = new ForkJoinPool(PARALLELISM, ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pool.shutdownNow();
        fifoPool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        fifoPool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
