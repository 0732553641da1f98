package dev.spindle.diagnostics;

import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BusyLoopDetectorTest {

    private static SpindleRuntime.Builder runtime(String name, DiagnosticReports reports) {
        return SpindleRuntime.builder().workers(2).name(name).threadNamePrefix(name + "-w-").onDiagnostic(reports);
    }

    @Test
    void aSelfWakingFutureIsReportedWithinASecondByTypeChainAndSpawnSite() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = runtime("busy-report", reports).build()) {
            UserFutures.SpinningReader reader = new UserFutures.SpinningReader();
            long start = System.nanoTime();
            JoinHandle<Void> h = rt.spawn("proxy-conn-7", new UserFutures.Pump<>(reader));
            BusyLoop report = reports.await(BusyLoop.class, Duration.ofSeconds(3));
            assertThat(report).as("a busy loop report").isNotNull();
            assertThat(Duration.ofNanos(reports.firstAtNanos() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(report.task().typeChain()).isEqualTo("Pump<SpinningReader>");
            assertThat(report.task().name()).isEqualTo("proxy-conn-7");
            assertThat(report.task().spawnSite()).contains("BusyLoopDetectorTest.aSelfWakingFutureIsReported");
            assertThat(report.selfWakes()).isPositive();
            assertThat(report.policy()).isEqualTo(BusyLoopPolicy.REPORT);
            assertThat(report.message()).contains("busy loop", "Pump<SpinningReader>", "proxy-conn-7");
            assertThat(rt.metrics().busyLoops()).isEqualTo(1);
            assertThat(h.isDone()).as("REPORT leaves it running").isFalse();
            h.abort();
        }
    }

    @Test
    void throttleStopsTheLoopBurningACoreAndAHealthyTaskKeepsItsPace() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = runtime("busy-throttle", reports).workers(1)
                .busyLoopPolicy(BusyLoopPolicy.THROTTLE).build()) {
            UserFutures.SpinningReader reader = new UserFutures.SpinningReader();
            JoinHandle<Void> h = rt.spawn(new UserFutures.Pump<>(reader));
            assertThat(reports.await(BusyLoop.class, Duration.ofSeconds(3))).isNotNull();
            Thread.sleep(300); // the backoff grows to its cap (1 + 2 + ... + 64 ms)
            assertThat(rt.dump().tasks()).anySatisfy(t -> assertThat(t.state()).isEqualTo(TaskInfo.State.THROTTLED));
            assertThat(rt.metrics().throttledTasks()).isEqualTo(1);

            long cpu0 = WorkerThreads.cpuNanos("busy-throttle-w-");
            int polls0 = reader.polls.get();
            Thread.sleep(2000);
            long cpu = WorkerThreads.cpuNanos("busy-throttle-w-") - cpu0;
            int polls = reader.polls.get() - polls0;
            assertThat(cpu).as("worker CPU over 2 s, ns").isLessThan(100_000_000L); // 5 % of one core
            assertThat(polls).as("throttled polls in 2 s").isBetween(5, 60);

            // A healthy CPU-bound task that yields between chunks runs at the pace it has alone.
            long healthy = yieldsIn(rt, Duration.ofMillis(500));
            h.abort();
            Thread.sleep(150);
            long alone = yieldsIn(rt, Duration.ofMillis(500));
            assertThat((double) healthy).as("yields with the throttled loop beside it vs alone")
                    .isGreaterThan(alone * 0.6);
            assertThat(reports.of(BusyLoop.class)).hasSize(1);
        }
    }

    /** How many yields a CPU-bound task that yields with {@code Futures.yieldNow()} between chunks makes in {@code d}. */
    private static long yieldsIn(SpindleRuntime rt, Duration d) throws Exception {
        AtomicLong count = new AtomicLong();
        long end = System.nanoTime() + d.toNanos();
        rt.spawn(new YieldingCruncher(count, end)).join();
        return count.get();
    }

    /** Crunches a chunk, then {@code Futures.yieldNow()}, until a deadline. */
    private static final class YieldingCruncher implements dev.spindle.Future<Void> {
        private final AtomicLong count;
        private final long end;
        private dev.spindle.Future<Void> yielding;
        private long sink;

        YieldingCruncher(AtomicLong count, long end) {
            this.count = count;
            this.end = end;
        }

        @Override
        public dev.spindle.Poll<Void> poll(dev.spindle.Context cx) {
            for (;;) {
                if (yielding != null) {
                    if (yielding.poll(cx).isPending()) {
                        return dev.spindle.Poll.pending();
                    }
                    yielding = null;
                }
                if (System.nanoTime() >= end) {
                    return dev.spindle.Poll.readyNull();
                }
                for (int i = 0; i < 2_000; i++) {
                    sink += i * 31L ^ sink;
                }
                count.incrementAndGet();
                yielding = Futures.yieldNow();
            }
        }
    }

    @Test
    void abortCancelsTheTaskRunsItsReleaseHookOnceAndFailsTheHandleNamingTheChain() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = runtime("busy-abort", reports).busyLoopPolicy(BusyLoopPolicy.ABORT).build()) {
            UserFutures.SpinningReader reader = new UserFutures.SpinningReader();
            JoinHandle<Void> h = rt.spawn(new UserFutures.Pump<>(reader));
            assertThatThrownBy(() -> h.join(Duration.ofSeconds(5)))
                    .isInstanceOf(TaskCancelledException.class)
                    .hasMessageContaining("Pump<SpinningReader>")
                    .hasCauseInstanceOf(BusyLoopException.class);
            assertThat(reader.cancels.get()).isEqualTo(1);
            assertThat(rt.metrics().abortedTasks()).isEqualTo(1);
            // Delivered by the watchdog, a moment after the worker counted it and aborted the task.
            assertThat(reports.await(BusyLoop.class, Duration.ofSeconds(2))).isNotNull()
                    .satisfies(b -> assertThat(b.policy()).isEqualTo(BusyLoopPolicy.ABORT));
            assertThat(reports.of(BusyLoop.class)).hasSize(1);
        }
    }

    @Test
    void aCpuBoundTaskThatYieldsBetweenChunksIsNeverABusyLoop() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = runtime("busy-yield", reports).busyLoopWindow(Duration.ofMillis(20)).build()) {
            yieldsIn(rt, Duration.ofMillis(800));
            assertThat(reports.events()).isEmpty();
        }
    }

    @Test
    void progressLiftsTheThrottle() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = runtime("busy-recover", reports).busyLoopPolicy(BusyLoopPolicy.THROTTLE).build()) {
            // Spins without progress for a while, then makes progress on every poll (marks it) until done.
            AtomicLong polls = new AtomicLong();
            long spinUntil = System.nanoTime() + 1_500_000_000L;
            JoinHandle<Long> h = rt.spawn(Futures.pollFn(cx -> {
                long n = polls.incrementAndGet();
                if (System.nanoTime() < spinUntil) {
                    cx.waker().wake();
                    return dev.spindle.Poll.pending();
                }
                cx.markProgress();
                if (n % 1000 == 0) {
                    return dev.spindle.Poll.ready(n);
                }
                cx.waker().wake();
                return dev.spindle.Poll.pending();
            }));
            assertThat(h.join(Duration.ofSeconds(10))).isPositive();
            assertThat(reports.of(BusyLoop.class)).hasSize(1);
            assertThat(rt.metrics().throttledTasks()).isZero();
        }
    }
}
