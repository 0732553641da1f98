package dev.spindle.perf.net;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a load client measures and prints: only requests completed inside the window count, the threads' recorders
 * merge, and the {@code RESULT} line the scripts read by key.
 */
class MeasurementTest {

    @Test
    void onlyRequestsCompletedInsideTheHalfOpenWindowCount() {
        WindowRecorder r = new WindowRecorder();
        r.window(1_000, 2_000);
        r.completed(0, 999);     // warm-up: before the window
        r.completed(500, 1_000); // the window's first instant: counts, 500 ns
        r.completed(1_500, 1_999);
        r.completed(1_500, 2_000); // the window's end is outside it
        assertThat(r.requests()).isEqualTo(2);
        assertThat(r.histogram().getTotalCount()).isEqualTo(2);
        assertThat(r.histogram().getMinValue()).isEqualTo(499);
        assertThat(r.histogram().getMaxValue()).isEqualTo(500);
        assertThat(r.windowEnd()).isEqualTo(2_000);
    }

    @Test
    void aLatencyBeyondTheTrackedRangeIsRecordedAsTheLargestTracked() {
        WindowRecorder r = new WindowRecorder();
        r.window(0, Long.MAX_VALUE);
        r.completed(0, 2 * MeasuredLoad.MAX_LATENCY_NANOS);
        assertThat(r.requests()).isEqualTo(1);
        assertThat(r.histogram().getMaxValue())
                .isEqualTo(r.histogram().highestEquivalentValue(MeasuredLoad.MAX_LATENCY_NANOS));
    }

    @Test
    void errorsAreCountedAndTheFirstReasonKept() {
        WindowRecorder r = new WindowRecorder();
        r.error("reset");
        r.error("timeout");
        assertThat(r.errors()).isEqualTo(2);
        assertThat(r.firstError()).isEqualTo("reset");
    }

    @Test
    void aLoadsTotalsAreItsThreadsRecordersMerged() {
        WindowRecorder a = new WindowRecorder();
        WindowRecorder b = new WindowRecorder();
        a.window(0, 100);
        b.window(0, 100);
        a.completed(0, 10);
        a.completed(0, 20);
        b.completed(0, 30);
        b.completed(0, 200); // after the window
        b.error("eof");
        MeasuredLoad load = new MeasuredLoad() {
            @Override
            public void start(long windowStart, long windowEnd) {
            }

            @Override
            public void finish() {
            }

            @Override
            public List<WindowRecorder> recorders() {
                return List.of(a, b);
            }
        };
        assertThat(load.requests()).isEqualTo(3);
        assertThat(load.errors()).isEqualTo(1);
        Histogram merged = load.histogram();
        assertThat(merged.getTotalCount()).isEqualTo(3);
        assertThat(merged.getMinValue()).isEqualTo(10);
        assertThat(merged.getMaxValue()).isEqualTo(30);
    }

    @Test
    void theResultLineHasEveryKeyTheScriptsRead() {
        Histogram h = new Histogram(MeasuredLoad.MAX_LATENCY_NANOS, 3);
        h.recordValueWithCount(1_000, 50); // 1 µs
        h.recordValueWithCount(2_000, 50); // 2 µs
        Measurement m = new Measurement(2.0, 1_000, h, 37.54);
        assertThat(m.resultLine("conns=64 size=16", "requests", 3, "protocol=TLSv1.3"))
                .isEqualTo("RESULT conns=64 size=16 duration_s=2.000 requests=1000 rps=500.0 p50_us=1.0 p90_us=2.0"
                        + " p99_us=2.0 p999_us=2.0 max_us=2.0 errors=3 protocol=TLSv1.3 client_cpu_pct=37.5");
        assertThat(new Measurement(0.5, 0, new Histogram(MeasuredLoad.MAX_LATENCY_NANOS, 3), 0)
                .resultLine("concurrency=1", "handshakes", 0, ""))
                .as("no requests: zero latencies, no empty trailing field")
                .isEqualTo("RESULT concurrency=1 duration_s=0.500 handshakes=0 rps=0.0 p50_us=0.0 p90_us=0.0"
                        + " p99_us=0.0 p999_us=0.0 max_us=0.0 errors=0 client_cpu_pct=0.0");
    }
}
