package dev.spindle.runtime;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.TestFutures;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** An idle runtime uses no CPU: parked workers, including the one that owns the timer driver. */
class IdleRuntimeTest {
    /** The workers' CPU; fails rather than answering 0 if the prefix matches no thread. */
    static long cpuNanosOf(String prefix) {
        return WorkerThreads.cpuNanos(prefix);
    }

    @Test
    void anIdleRuntimeUsesUnder50msOfCpuOver2s() throws Exception {
        String prefix = "spindle-idle-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build()) {
            // Warm up: run some work, then let everything park.
            for (int i = 0; i < 1000; i++) {
                rt.spawn(TestFutures.yielding(2));
            }
            rt.blockOn(Time.sleep(Duration.ofMillis(50)));
            Thread.sleep(200);
            long before = cpuNanosOf(prefix);
            Thread.sleep(2000);
            long used = cpuNanosOf(prefix) - before;
            assertThat(Duration.ofNanos(used)).as("CPU used by idle workers over 2 s").isLessThan(Duration.ofMillis(50));
            assertThat(rt.metrics().parkedWorkers()).isEqualTo(2);
        }
    }

    @Test
    void aRuntimeWaitingOnAFarTimerIsIdleToo() throws Exception {
        String prefix = "spindle-idle-timer-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build()) {
            JoinHandle<Void> far = rt.spawn(Time.sleep(Duration.ofSeconds(30)));
            Thread.sleep(200);
            long before = cpuNanosOf(prefix);
            Thread.sleep(2000);
            long used = cpuNanosOf(prefix) - before;
            assertThat(Duration.ofNanos(used)).isLessThan(Duration.ofMillis(50));
            assertThat(far.isDone()).isFalse();
        }
    }
}
