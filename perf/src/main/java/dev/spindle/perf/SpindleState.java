package dev.spindle.perf;

import dev.spindle.SpindleRuntime;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A Spindle runtime with two workers, default settings otherwise; one per trial. */
@State(Scope.Benchmark)
public class SpindleState {
    static final int WORKERS = 2;

    public SpindleRuntime rt;

    @Setup(Level.Trial)
    public void setUp() {
        rt = SpindleRuntime.builder().workers(WORKERS).threadNamePrefix("spindle-bench-").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long failed = rt.metrics().failed();
        rt.close();
        if (failed != 0) {
            throw new IllegalStateException(failed + " Spindle task(s) failed during the trial");
        }
    }
}
