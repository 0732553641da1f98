package dev.spindle.perf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IterationReportTest {
    private static final String M1 = "[spindle-metrics] bench=YieldBenchmark.spindle iter=measurement-1 spawned=10"
            + " polls=30 polls.w=10/20 lifo=1 steals=2 stolen=3 parks=4 unparks=5 overflow=6 forcedYields=7 timersFired=0";

    @Test
    void joinsScoresWithMetricsPrintedOnTheirOwnLineAndOnTheIterationLine() {
        List<String> log = List.of(
                "# Benchmark: dev.spindle.perf.YieldBenchmark.spindle",
                "# Run progress: 0.00% complete, ETA 00:00:04",
                "# Fork: 1 of 2",
                "# Warmup Iteration   1: [spindle-metrics] bench=YieldBenchmark.spindle iter=warmup-1 spawned=1 polls=2"
                        + " polls.w=1/1 lifo=0 steals=0 stolen=0 parks=9 unparks=0 overflow=0 forcedYields=0 timersFired=0",
                "2,892.058 ns/op",
                "Iteration   1: ",
                M1,
                "43.125 ns/op",
                "",
                "# Fork: 2 of 2",
                "Iteration   1: ",
                M1.replace("parks=4", "parks=400"),
                "90.5 ns/op",
                "",
                "Result \"dev.spindle.perf.YieldBenchmark.spindle\":",
                "# Benchmark: dev.spindle.perf.YieldBenchmark.netty2Loops",
                "# Fork: 1 of 1",
                "Iteration   1: 12.400 ns/op");

        List<IterationReport.Row> rows = IterationReport.parse(log, List.of());

        assertThat(rows).extracting(IterationReport.Row::bench, IterationReport.Row::fork, IterationReport.Row::iter,
                        IterationReport.Row::score, IterationReport.Row::unit)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("YieldBenchmark.spindle", 1, "warmup-1", "2892.058", "ns/op"),
                        org.assertj.core.groups.Tuple.tuple("YieldBenchmark.spindle", 1, "measurement-1", "43.125", "ns/op"),
                        org.assertj.core.groups.Tuple.tuple("YieldBenchmark.spindle", 2, "measurement-1", "90.5", "ns/op"),
                        org.assertj.core.groups.Tuple.tuple("YieldBenchmark.netty2Loops", 1, "measurement-1", "12.400", "ns/op"));
        assertThat(rows.get(0).metrics()).containsEntry("parks", "9");
        assertThat(rows.get(1).metrics()).containsEntry("parks", "4").containsEntry("polls.w", "10/20");
        assertThat(rows.get(2).metrics()).containsEntry("parks", "400");
        assertThat(rows.get(3).metrics()).isNull();
    }

    @Test
    void takesMetricsFromASeparateFileInForkOrder() {
        List<String> log = List.of(
                "# Benchmark: dev.spindle.perf.YieldBenchmark.spindle",
                "# Fork: 1 of 2",
                "Iteration   1: 43.125 ns/op",
                "# Fork: 2 of 2",
                "Iteration   1: 90.5 ns/op");

        List<IterationReport.Row> rows = IterationReport.parse(log, List.of(M1, M1.replace("parks=4", "parks=400")));

        assertThat(rows).extracting(r -> r.metrics().get("parks")).containsExactly("4", "400");
    }

    @Test
    void formatsATabSeparatedTableWithEmptyCountersForOtherPeers() {
        List<String> out = IterationReport.format(List.of(
                new IterationReport.Row("YieldBenchmark.spindle", 1, "measurement-1", "43.1", "ns/op",
                        IterationReport.fields(M1)),
                new IterationReport.Row("YieldBenchmark.netty2Loops", 1, "measurement-1", "12.4", "ns/op", null)));

        assertThat(out.get(0)).isEqualTo("benchmark\tfork\titeration\tscore\tunit\tspawned\tpolls\tpolls.w\tlifo\t"
                + "steals\tstolen\tparks\tunparks\toverflow\tforcedYields\ttimersFired");
        assertThat(out.get(1)).isEqualTo("YieldBenchmark.spindle\t1\tmeasurement-1\t43.1\tns/op\t10\t30\t10/20\t1\t2\t3\t4\t5\t6\t7\t0");
        assertThat(out.get(2)).isEqualTo("YieldBenchmark.netty2Loops\t1\tmeasurement-1\t12.4\tns/op" + "\t".repeat(11));
    }
}
