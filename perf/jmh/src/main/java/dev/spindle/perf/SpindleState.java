package dev.spindle.perf;

import dev.spindle.SpindleRuntime;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A Spindle runtime with two workers, default settings otherwise; one per trial.
 *
 * <p>Per iteration, it takes a snapshot of the runtime's counters before the iteration starts and prints the
 * deltas once it has ended, one {@link SpindleIterationMetrics} line on stderr (JMH shows it in its log next to
 * the iteration's score): steals, parks, overflow and polls explain a slow or bimodal iteration instead of
 * leaving it averaged away. Nothing is printed while JMH measures ({@code Level.Iteration} helpers run outside
 * the measured window). With {@code -jvmArgsAppend -Dspindle.perf.iterationMetrics=FILE} the lines are appended to
 * FILE instead (JMH's log stays as JMH writes it); {@code =false} silences them. {@link IterationReport} joins them
 * with the per-iteration scores.
 */
@State(Scope.Benchmark)
public class SpindleState {
    static final int WORKERS = 2;

    /** Unset: stderr; {@code false}: nothing; anything else: the file to append the lines to. */
    private static final String OUTPUT = System.getProperty("spindle.perf.iterationMetrics", "");

    public SpindleRuntime rt;

    private SpindleIterationMetrics iterationStart;
    private int warmups;
    private int measurements;

    @Setup(Level.Trial)
    public void setUp() {
        rt = SpindleRuntime.builder().workers(WORKERS).threadNamePrefix("spindle-bench-").build();
    }

    @Setup(Level.Iteration)
    public void iterationStart() {
        iterationStart = SpindleIterationMetrics.of(rt.metrics());
    }

    @TearDown(Level.Iteration)
    public void iterationEnd(BenchmarkParams benchmark, IterationParams iteration) {
        SpindleIterationMetrics delta = SpindleIterationMetrics.of(rt.metrics()).minus(iterationStart);
        String iter = iteration.getType() == IterationType.WARMUP ? "warmup-" + ++warmups
                : "measurement-" + ++measurements;
        String line = delta.line(shortName(benchmark.getBenchmark()), iter);
        if (OUTPUT.isEmpty()) {
            // JMH has already printed "Iteration   N: " and prints the score after this: a line of its own.
            System.err.println();
            System.err.println(line);
        } else if (!OUTPUT.equals("false")) {
            try {
                Files.writeString(Path.of(OUTPUT), line + System.lineSeparator(), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append the iteration metrics to " + OUTPUT, e);
            }
        }
    }

    /** {@code dev.spindle.perf.YieldBenchmark.spindle} → {@code YieldBenchmark.spindle}. */
    static String shortName(String benchmark) {
        int method = benchmark.lastIndexOf('.');
        int cls = method <= 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
        return benchmark.substring(cls + 1);
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
