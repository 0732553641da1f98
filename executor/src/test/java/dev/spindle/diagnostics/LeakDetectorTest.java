package dev.spindle.diagnostics;

import dev.spindle.sync.Mpsc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import dev.spindle.testkit.DiagnosticReports;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The leak detector: levels, sampling, a leak reported (claimed by a listener here, so the strict extension does
 * not count it) and a closed resource not reported. Each test restores the level the run was started with.
 */
class LeakDetectorTest {
    private final LeakDetection startLevel = LeakDetector.level();
    /** Reports this test claimed: those whose resource was created by this class. */
    private final List<LeakReport> claimed = new CopyOnWriteArrayList<>();
    private final Predicate<LeakReport> listener = r -> {
        boolean ours = r.createdAt().stream().anyMatch(f -> f.getClassName().equals(LeakDetectorTest.class.getName()));
        if (ours) {
            claimed.add(r);
        }
        return ours;
    };

    @BeforeEach
    void listen() {
        LeakDetector.addListener(listener);
    }

    @AfterEach
    void restore() {
        LeakDetector.setLevel(startLevel);
        LeakDetector.removeListener(listener);
    }

    @Test
    void parsesLevelsAndRejectsOthersNamingTheProperty() {
        assertThat(LeakDetection.parse("off")).isEqualTo(LeakDetection.OFF);
        assertThat(LeakDetection.parse(" Paranoid ")).isEqualTo(LeakDetection.PARANOID);
        assertThat(LeakDetection.parse("SAMPLED")).isEqualTo(LeakDetection.SAMPLED);
        assertThat(LeakDetection.parse(null)).isEqualTo(LeakDetection.SAMPLED);
        assertThat(LeakDetection.parse("")).isEqualTo(LeakDetection.SAMPLED);
        assertThatThrownBy(() -> LeakDetection.parse("always"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spindle.leakDetection")
                .hasMessageContaining("'always'");
    }

    @Test
    void offTracksNothing() {
        LeakDetector.setLevel(LeakDetection.OFF);
        for (int i = 0; i < 10_000; i++) {
            assertThat(LeakDetector.track(new Object(), "untracked")).isSameAs(LeakTracker.NONE);
        }
        assertThat(LeakDetector.track(new Object(), o -> {
            throw new AssertionError("describe must not be called when the resource is not tracked");
        })).isSameAs(LeakTracker.NONE);
    }

    @Test
    void paranoidTracksEveryResource() {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        for (int i = 0; i < 100; i++) {
            Object r = new Object();
            LeakTracker t = LeakDetector.track(r, "tracked");
            assertThat(t.isTracked()).isTrue();
            t.close(r);
        }
    }

    @Test
    void sampledTracksAboutOneIn128() {
        LeakDetector.setLevel(LeakDetection.SAMPLED);
        int n = LeakDetector.SAMPLING_INTERVAL * 400;
        List<Object> resources = new ArrayList<>();
        List<LeakTracker> trackers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object r = new Object();
            LeakTracker t = LeakDetector.track(r, "sampled");
            if (t.isTracked()) {
                resources.add(r);
                trackers.add(t);
            }
        }
        // Binomial(51200, 1/128): mean 400, standard deviation 20; 300..500 is five deviations either way.
        assertThat(trackers.size()).isBetween(300, 500);
        for (int i = 0; i < trackers.size(); i++) {
            trackers.get(i).close(resources.get(i));
        }
    }

    @Test
    void aResourceCollectedWithoutCloseIsReportedWithItsCreationStack() throws InterruptedException {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        String what = "test resource " + UUID.randomUUID();
        long leaksBefore = LeakDetector.leaks();
        long unhandledBefore = Diagnostics.unhandledReports();
        leakOne(what);

        LeakReport r = awaitClaimed(what);
        assertThat(r.message()).startsWith("LEAK: " + what + " was garbage-collected without close(); created at:");
        assertThat(r.createdAt().getFirst().getMethodName()).isEqualTo("leakOne");
        assertThat(r.message()).contains("LeakDetectorTest.leakOne");
        assertThat(LeakDetector.leaks()).isGreaterThan(leaksBefore);
        // Claimed: not an unhandled report (strict runs would fail otherwise).
        assertThat(Diagnostics.unhandledReportsSince(unhandledBefore)).noneMatch(m -> m.contains(what));
    }

    private static void leakOne(String what) {
        LeakDetector.track(new Object(), what); // the resource is garbage at once, its tracker never closed
    }

    @Test
    void anUnclosedSenderIsReportedAndEachOfItsClonesToo() throws InterruptedException {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        leakSenders();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (claimed.stream().filter(r -> r.what().startsWith("Mpsc.Sender (bounded 4")).count() < 2
                && System.nanoTime() < deadline) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).filteredOn(r -> r.what().startsWith("Mpsc.Sender (bounded 4")).hasSize(2);
    }

    private static void leakSenders() {
        Mpsc.Channel<String> ch = Mpsc.bounded(4);
        Mpsc.Sender<String> second = ch.sender().newSender();
        second.trySend("x");
        Mpsc.Sender<String> third = ch.sender().newSender();
        third.close(); // closed: not reported
        ch.receiver().close();
    }

    @Test
    void aClosedResourceIsNotReported() throws InterruptedException {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        String what = "closed resource " + UUID.randomUUID();
        closeOne(what);
        closeSender();
        for (int i = 0; i < 3; i++) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).noneMatch(r -> r.what().equals(what));
        assertThat(claimed).noneMatch(r -> r.what().startsWith("Mpsc.Sender (unbounded"));
    }

    private static void closeOne(String what) {
        Object r = new Object();
        LeakTracker t = LeakDetector.track(r, what);
        t.close(r);
        t.close(r); // idempotent
    }

    private static void closeSender() {
        Mpsc.Channel<String> ch = Mpsc.unbounded();
        ch.sender().close();
        ch.receiver().close();
    }

    private LeakReport awaitClaimed(String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (LeakReport r : claimed) {
                if (r.what().equals(what)) {
                    return r;
                }
            }
            LeakDetector.collect(Duration.ofMillis(200));
        }
        throw new AssertionError("no leak report for '" + what + "' within 10 s; claimed: " + claimed);
    }
}
