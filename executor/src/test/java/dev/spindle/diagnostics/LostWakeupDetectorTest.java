package dev.spindle.diagnostics;

import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.sync.Mpsc;
import dev.spindle.time.Time;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LostWakeupDetectorTest {

    @Test
    void pendingWithoutTakingTheWakerIsReportedWithinTheThreshold() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).name("lost").onDiagnostic(reports)
                .lostWakeupThreshold(Duration.ofMillis(300)).build()) {
            long start = System.nanoTime();
            JoinHandle<Void> h = rt.spawn("forgetful", new UserFutures.Pump<>(new UserFutures.ForgetfulFuture()));
            LostWakeup report = reports.await(LostWakeup.class, Duration.ofSeconds(3));
            assertThat(report).isNotNull();
            Duration after = Duration.ofNanos(reports.firstAtNanos() - start);
            assertThat(after).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofMillis(900));
            assertThat(report.task().typeChain()).isEqualTo("Pump<ForgetfulFuture>");
            assertThat(report.task().name()).isEqualTo("forgetful");
            assertThat(report.task().spawnSite()).contains("LostWakeupDetectorTest.pendingWithoutTakingTheWaker");
            assertThat(report.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(report.message()).contains("lost wakeup", "cx.waker()");
            assertThat(rt.dump().task(report.task().id())).hasValueSatisfying(
                    t -> assertThat(t.state()).isEqualTo(TaskInfo.State.LOST));
            Thread.sleep(600);
            assertThat(reports.of(LostWakeup.class)).as("reported once").hasSize(1);
            assertThat(rt.metrics().lostWakeups()).isEqualTo(1);
            h.abort();
        }
    }

    @Test
    void tasksThatWaitLegitimatelyAreNeverReported() throws Exception {
        DiagnosticReports reports = new DiagnosticReports();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).name("legit").onDiagnostic(reports)
                .lostWakeupThreshold(Duration.ofMillis(100)).build()) {
            Mpsc.Channel<String> ch = Mpsc.bounded(4);
            UserFutures.SilentSocket socket = new UserFutures.SilentSocket();
            JoinHandle<Void> timer = rt.spawn("hour-timer", Time.sleep(Duration.ofHours(1)));
            JoinHandle<String> channel = rt.spawn("channel", ch.receiver().recv());
            JoinHandle<Void> silent = rt.spawn("silent-socket", socket);
            JoinHandle<Object> forever = rt.spawn("forever", Futures.pending());
            JoinHandle<Void> joiner = rt.spawn("joins-the-timer", timer);
            Thread.sleep(1200); // twelve thresholds
            assertThat(reports.events()).isEmpty();
            TaskDump dump = rt.dump();
            assertThat(dump.toString()).contains("hour-timer", "timer due in", "simulated socket", "Mpsc channel");
            assertThat(dump.tasks()).noneSatisfy(t -> assertThat(t.state()).isEqualTo(TaskInfo.State.LOST));
            ch.sender().close();
            for (JoinHandle<?> h : new JoinHandle<?>[] {timer, channel, silent, forever, joiner}) {
                h.abort();
            }
        }
    }
}
