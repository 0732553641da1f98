package dev.spindle.perf;

import dev.spindle.RuntimeMetrics;
import dev.spindle.WorkerMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpindleIterationMetricsTest {
    private static RuntimeMetrics metrics(long spawned, long base) {
        return new RuntimeMetrics(2, spawned, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(
                new WorkerMetrics(0, "w0", base + 100, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6,
                        base + 7, 0, base + 8),
                new WorkerMetrics(1, "w1", base + 200, base + 10, base + 20, base + 30, base + 40, base + 50,
                        base + 60, base + 70, 0, base + 80)));
    }

    @Test
    void sumsWorkersAndSubtractsTheStartOfTheIteration() {
        SpindleIterationMetrics start = SpindleIterationMetrics.of(metrics(1_000, 0));
        SpindleIterationMetrics end = SpindleIterationMetrics.of(metrics(1_500, 1_000));

        SpindleIterationMetrics delta = end.minus(start);

        assertThat(delta.spawned()).isEqualTo(500);
        assertThat(delta.polls()).isEqualTo(2_000);
        assertThat(delta.pollsPerWorker()).containsExactly(1_000, 1_000);
        assertThat(delta.steals()).isEqualTo(2_000);
        assertThat(start.steals()).isEqualTo(11);
        assertThat(start.stolenTasks()).isEqualTo(22);
        assertThat(start.parks()).isEqualTo(33);
        assertThat(start.unparks()).isEqualTo(44);
        assertThat(start.lifoPolls()).isEqualTo(55);
        assertThat(start.overflowed()).isEqualTo(66);
        assertThat(start.timersFired()).isEqualTo(77);
        assertThat(start.forcedYields()).isEqualTo(88);
    }

    @Test
    void printsOneParseableLine() {
        String line = SpindleIterationMetrics.of(metrics(7, 0)).line("YieldBenchmark.spindle", "measurement-2");

        assertThat(line).isEqualTo("[spindle-metrics] bench=YieldBenchmark.spindle iter=measurement-2 spawned=7"
                + " polls=300 polls.w=100/200 lifo=55 steals=11 stolen=22 parks=33 unparks=44 overflow=66"
                + " forcedYields=88 timersFired=77");
        assertThat(IterationReport.fields(line)).containsKeys(SpindleIterationMetrics.FIELDS.toArray(String[]::new));
    }

    @Test
    void shortNameKeepsClassAndMethod() {
        assertThat(SpindleState.shortName("dev.spindle.perf.YieldBenchmark.spindle")).isEqualTo("YieldBenchmark.spindle");
        assertThat(SpindleState.shortName("X.y")).isEqualTo("X.y");
    }
}
