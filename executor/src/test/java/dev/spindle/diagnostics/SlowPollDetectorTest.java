package dev.spindle.diagnostics;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlowPollDetectorTest {

    @Test
    void aSleepInsidePollIsReportedWithAStackNamingSleepAndTheFuture() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).name("slow").threadNamePrefix("slow-w-")
                .slowPollThreshold(Duration.ofMillis(100)).onDiagnostic(reports).build()) {
            JoinHandle<String> h = rt.spawn("sleeper", new UserFutures.Pump<>(new UserFutures.SleepyFuture(300)));
            SlowPoll report = reports.await(SlowPoll.class, Duration.ofSeconds(3));
            assertThat(report).isNotNull();
            assertThat(report.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(100)).isLessThan(Duration.ofMillis(300));
            assertThat(report.worker()).startsWith("slow-w-");
            assertThat(report.stack()).anySatisfy(e -> assertThat(e.toString()).contains("java.lang.Thread.sleep"));
            assertThat(report.stack()).anySatisfy(e -> assertThat(e.getClassName()).endsWith("SleepyFuture"));
            assertThat(report.task().typeChain()).isEqualTo("Pump<SleepyFuture>");
            assertThat(report.task().state()).isEqualTo(TaskInfo.State.RUNNING);
            assertThat(report.message()).contains("slow poll", "Thread.sleep", "sleeper");
            assertThat(h.join()).isEqualTo("slept");
            assertThat(reports.of(SlowPoll.class)).as("300 ms: reported once, no escalation yet").hasSize(1);
            assertThat(rt.metrics().slowPolls()).isEqualTo(1);
        }
    }

    @Test
    void aPollThatGoesOnIsReportedAgainAtTenTimesTheThreshold() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).name("slower").onDiagnostic(reports)
                .slowPollThreshold(Duration.ofMillis(50)).build()) {
            JoinHandle<String> h = rt.spawn(new UserFutures.SleepyFuture(800));
            assertThat(h.join()).isEqualTo("slept");
            assertThat(reports.of(SlowPoll.class)).hasSize(2);
            assertThat(reports.of(SlowPoll.class).get(1).duration()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(rt.metrics().slowPolls()).as("one slow poll, reported twice").isEqualTo(1);
        }
    }

    @Test
    void anIdleRuntimeReportsNothing() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).name("idle").onDiagnostic(reports)
                .slowPollThreshold(Duration.ofMillis(10)).build()) {
            Thread.sleep(500); // parked workers (the driver owner sleeps in the timer driver): never a slow poll
            assertThat(reports.events()).isEmpty();
        }
    }
}
