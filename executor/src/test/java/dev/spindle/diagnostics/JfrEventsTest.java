package dev.spindle.diagnostics;

import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import jdk.jfr.Configuration;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The detectors' reports and the runtime statistics as JFR events, read back from a live recording stream. */
class JfrEventsTest {

    /** A poll that blocks its worker for {@code millis}: the slow-poll detector's target. */
    private static Future<String> sleepingPoll(long millis) {
        return cx -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Poll.ready("slept");
        };
    }

    @Test
    void slowPollIsRecordedWithTaskAndStack() throws Exception {
        BlockingQueue<RecordedEvent> events = new LinkedBlockingQueue<>();
        List<DiagnosticEvent> reports = new CopyOnWriteArrayList<>();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("dev.spindle.SlowPoll");
            rs.onEvent("dev.spindle.SlowPoll", events::add);
            rs.startAsync();
            try (SpindleRuntime rt = SpindleRuntime.builder().name("jfr-slow").workers(1)
                    .slowPollThreshold(Duration.ofMillis(100)).onDiagnostic(reports::add).build()) {
                JoinHandle<String> h = rt.spawn("sleeper", sleepingPoll(300));
                assertThat(h.join(Duration.ofSeconds(10))).isEqualTo("slept");

                RecordedEvent e = events.poll(10, TimeUnit.SECONDS);
                assertThat(e).as("a dev.spindle.SlowPoll event").isNotNull();
                SlowPoll report = reports.stream().filter(SlowPoll.class::isInstance).map(SlowPoll.class::cast)
                        .findFirst().orElseThrow();
                assertThat(e.getString("runtime")).isEqualTo("jfr-slow");
                assertThat(e.getLong("taskId")).isEqualTo(report.task().id());
                assertThat(e.getString("taskName")).isEqualTo("sleeper");
                assertThat(e.getString("typeChain")).isEqualTo(report.task().typeChain()).isNotBlank();
                assertThat(e.getString("spawnSite")).contains("JfrEventsTest");
                assertThat(e.getString("worker")).isEqualTo(report.worker());
                assertThat(e.getDuration("pollDuration")).isGreaterThanOrEqualTo(Duration.ofMillis(100));
                assertThat(e.getString("stack")).contains("java.lang.Thread.sleep").contains("JfrEventsTest");
                assertThat(e.getEventType().getCategoryNames()).containsExactly("Spindle");
            }
        }
    }

    @Test
    void runtimeStatisticsArriveForALiveRuntimeAndStopAfterClose() throws Exception {
        BlockingQueue<RecordedEvent> events = new LinkedBlockingQueue<>();
        try (SpindleRuntime rt = SpindleRuntime.builder().name("jfr-stats").workers(2).build();
             RecordingStream rs = new RecordingStream()) {
            for (int i = 0; i < 10; i++) {
                rt.spawn(cx -> Poll.ready(1)).join();
            }
            rs.enable("dev.spindle.RuntimeStatistics").withPeriod(Duration.ofMillis(100));
            rs.onEvent("dev.spindle.RuntimeStatistics", e -> {
                if (e.getString("runtime").equals("jfr-stats")) {
                    events.add(e);
                }
            });
            rs.startAsync();
            RecordedEvent e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("a dev.spindle.RuntimeStatistics event for jfr-stats").isNotNull();
            assertThat(e.getInt("workers")).isEqualTo(2);
            assertThat(e.getLong("spawned")).isEqualTo(10);
            assertThat(e.getLong("completed")).isEqualTo(10);
            assertThat(e.getLong("alive")).isZero();
            assertThat(e.getLong("polls")).isGreaterThanOrEqualTo(10);
            assertThat(e.getLong("slowPolls")).isZero();
            assertThat(e.getEventType().getCategoryNames()).containsExactly("Spindle");

            rt.shutdownNow();
            Thread.sleep(300); // a period in flight when close() returned may still carry it
            events.clear();
            Thread.sleep(500);
            assertThat(events).as("statistics of a closed runtime").isEmpty();
        }
    }

    @Test
    void shippedSettingsFileEnablesEveryEvent() throws Exception {
        try (Reader r = new InputStreamReader(SpindleRuntime.class.getResourceAsStream(
                "/dev/spindle/diagnostics/spindle.jfc"), StandardCharsets.UTF_8)) {
            Configuration c = Configuration.create(r);
            assertThat(c.getSettings()).containsEntry("dev.spindle.BusyLoop#enabled", "true")
                    .containsEntry("dev.spindle.LostWakeup#enabled", "true")
                    .containsEntry("dev.spindle.SlowPoll#enabled", "true")
                    .containsEntry("dev.spindle.RuntimeStatistics#enabled", "true")
                    .containsEntry("dev.spindle.RuntimeStatistics#period", "1 s");
        }
    }
}
