package dev.spindle.micrometer;

import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder's meters read back from a simple registry and scraped as Prometheus text.
 *
 * <p>A worker counts a completion just after it publishes the task's outcome (the count also serves the drain
 * waiter, see {@code Scheduler.liveTasks}), so a {@code join()} can return a moment before the completed and
 * alive meters move: the tests wait for those two instead of reading them once.
 */
class SpindleRuntimeMetricsTest {

    private static final Duration COUNTERS_TRAIL_JOIN = Duration.ofSeconds(10);

    @Test
    void metersFollowTheRuntime() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SpindleRuntime rt = SpindleRuntime.builder().name("mm-simple").workers(2).jmx(false).build()) {
            new SpindleRuntimeMetrics(rt, Tags.of("app", "test")).bindTo(registry);
            FunctionCounter spawned = registry.get("spindle.tasks.spawned").tag("runtime", "mm-simple")
                    .tag("app", "test").functionCounter();
            assertThat(spawned.count()).isZero();
            assertThat(registry.get("spindle.workers").gauge().value()).isEqualTo(2);

            for (int i = 0; i < 7; i++) {
                rt.spawn(cx -> Poll.ready(1)).join();
            }
            rt.spawn(cx -> Poll.pending());

            assertThat(spawned.count()).isEqualTo(8);
            FunctionCounter completed = registry.get("spindle.tasks.completed").functionCounter();
            Gauge alive = registry.get("spindle.tasks.alive").gauge();
            await().atMost(COUNTERS_TRAIL_JOIN).untilAsserted(() -> {
                assertThat(completed.count()).isEqualTo(7);
                assertThat(alive.value()).isEqualTo(1);
            });
            assertThat(registry.get("spindle.diagnostics.busy.loops").functionCounter().count()).isZero();
            assertThat(registry.get("spindle.diagnostics.slow.polls").functionCounter().count()).isZero();
            assertThat(registry.get("spindle.diagnostics.throttled.tasks").gauge().value()).isZero();
            double polls = registry.get("spindle.worker.polls").functionCounters().stream()
                    .mapToDouble(FunctionCounter::count).sum();
            assertThat(polls).isGreaterThanOrEqualTo(8);
            assertThat(registry.get("spindle.worker.polls").tag("worker", "1").functionCounter()).isNotNull();
            Gauge parked = registry.get("spindle.workers.parked").gauge();
            assertThat(parked.value()).isBetween(0.0, 2.0);

            rt.shutdownNow();
            assertThat(spawned.count()).as("a closed runtime keeps its final counts").isEqualTo(8);
            assertThat(registry.get("spindle.tasks.cancelled").functionCounter().count()).isEqualTo(1);
        }
    }

    @Test
    void prometheusScrapeNamesTheRuntime() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (SpindleRuntime rt = SpindleRuntime.builder().name("mm-prom").workers(1).jmx(false).build()) {
            new SpindleRuntimeMetrics(rt).bindTo(registry);
            for (int i = 0; i < 3; i++) {
                rt.spawn(cx -> Poll.ready(1)).join();
            }
            await().atMost(COUNTERS_TRAIL_JOIN)
                    .until(() -> registry.scrape().contains("spindle_tasks_alive{runtime=\"mm-prom\"} 0.0"));
            String scrape = registry.scrape();
            assertThat(scrape).contains("spindle_tasks_spawned_total{runtime=\"mm-prom\"} 3.0")
                    .contains("spindle_tasks_alive{runtime=\"mm-prom\"} 0.0")
                    .contains("spindle_diagnostics_busy_loops_total{runtime=\"mm-prom\"} 0.0")
                    .contains("spindle_worker_polls_total{runtime=\"mm-prom\",worker=\"0\"}")
                    .contains("# HELP spindle_tasks_spawned_total Tasks spawned");
        }
    }
}
