package dev.spindle.testkit;

import dev.spindle.Futures;
import dev.spindle.SpindleRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The meters see the workers' work, and only theirs. */
@Timeout(value = 30, unit = SECONDS)
class WorkerThreadsTest {
    @Test
    void cpuTimeAndAllocationOfTheWorkersAreMeasuredByTheirPrefix() throws Exception {
        String prefix = "meter-test-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build()) {
            long cpu0 = WorkerThreads.cpuNanos(prefix);
            long bytes0 = WorkerThreads.allocatedBytes(prefix);
            long sink = rt.spawn(Futures.lazy(() -> {
                long until = System.nanoTime() + 100_000_000L; // 100 ms of work on a worker
                long acc = 0;
                byte[][] kept = new byte[16][]; // the arrays escape, so the JIT cannot remove the allocations
                for (int i = 0; System.nanoTime() < until; i++) {
                    kept[i & 15] = new byte[1024]; // and 1 KiB allocated per step
                    acc += kept[i & 15].length;
                }
                return acc;
            })).join(Duration.ofSeconds(10));
            assertThat(sink).isPositive();
            assertThat(WorkerThreads.cpuNanos(prefix) - cpu0).as("CPU of the workers").isGreaterThan(50_000_000L);
            assertThat(WorkerThreads.allocatedBytes(prefix) - bytes0).as("bytes allocated by the workers")
                    .isGreaterThanOrEqualTo(sink);
        }
    }

    @Test
    void aPrefixThatMatchesNoThreadFailsAndNamesTheLiveThreads() {
        String prefix = "meter-test-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).threadNamePrefix(prefix).build()) {
            // A typo in the prefix: "no CPU used" would be measured over no thread at all.
            String wrong = "meter-tset-";
            assertThatThrownBy(() -> WorkerThreads.cpuNanos(wrong))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'" + wrong + "'")
                    .hasMessageContaining(prefix); // the live worker's name, so the right prefix is at hand
            assertThatThrownBy(() -> WorkerThreads.allocatedBytes(wrong))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'" + wrong + "'");
        }
    }
}
