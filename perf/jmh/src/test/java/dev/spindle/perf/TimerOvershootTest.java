package dev.spindle.perf;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimerOvershootTest {
    @Test
    void defaultsAreTokiosShape() {
        TimerOvershoot.Options o = TimerOvershoot.Options.parse();

        assertThat(o.timers()).containsExactly(1_000, 10_000, 100_000);
        assertThat(o.peers()).containsExactly("spindle", "stpe", "netty");
        assertThat(o.minMs()).isEqualTo(1);
        assertThat(o.maxMs()).isEqualTo(50);
        assertThat(o.workers()).isEqualTo(2);
    }

    @Test
    void parsesOptions() {
        TimerOvershoot.Options o = TimerOvershoot.Options.parse("--timers", "10_000, 100", "--peers", "spindle",
                "--rounds", "5", "--warmup", "0", "--seed", "7", "--workers", "4", "--min-ms", "2", "--max-ms", "3");

        assertThat(o).isEqualTo(new TimerOvershoot.Options(List.of(10_000, 100), List.of("spindle"), 5, 0, 7, 4, 2, 3));
    }

    @Test
    void rejectsBadOptions() {
        assertThatThrownBy(() -> TimerOvershoot.Options.parse("--peers", "tokio")).hasMessageContaining("unknown peer");
        assertThatThrownBy(() -> TimerOvershoot.Options.parse("--bogus", "1")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> TimerOvershoot.Options.parse("--timers")).hasMessageContaining("missing value");
        assertThatThrownBy(() -> TimerOvershoot.Options.parse("--timers", "0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> TimerOvershoot.Options.parse("--min-ms", "5", "--max-ms", "4"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestedSleepsAreSeededWholeMillisecondsInRange() {
        long[] a = TimerOvershoot.requestedNanos(10_000, 42, 1, 50);

        assertThat(a).isEqualTo(TimerOvershoot.requestedNanos(10_000, 42, 1, 50));
        assertThat(a).isNotEqualTo(TimerOvershoot.requestedNanos(10_000, 43, 1, 50));
        assertThat(Arrays.stream(a).map(TimeUnit.NANOSECONDS::toMillis).distinct().sorted().toArray())
                .hasSize(50).startsWith(1).endsWith(50);
        assertThat(Arrays.stream(a).allMatch(n -> n % 1_000_000 == 0)).isTrue();
    }

    @Test
    void summarizesPercentilesInMillisecondsAndCountsEarlyTimers() {
        long[] overshoots = new long[1_000];
        for (int i = 0; i < overshoots.length; i++) {
            overshoots[i] = (i + 1) * 10_000L; // 0.01 ms .. 10 ms
        }
        overshoots[0] = -5; // early: counted, recorded as 0

        TimerOvershoot.Summary s = TimerOvershoot.summarize(overshoots);

        assertThat(s.count()).isEqualTo(1_000);
        assertThat(s.early()).isEqualTo(1);
        assertThat(s.p50Ms()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.p99Ms()).isCloseTo(9.9, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.p999Ms()).isCloseTo(9.99, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.maxMs()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(TimerOvershoot.row("spindle", 1000, "round-1", s, "parks=3"))
                .matches("spindle +1000 round-1 +5\\.00\\d +9\\.9\\d\\d +9\\.99\\d +10\\.0\\d\\d +\\d\\.\\d{3} +1  parks=3");
    }

    @Test
    void missingTimersFailTheRound() {
        assertThatThrownBy(() -> TimerOvershoot.checkAllRecorded(new long[] {1, Long.MIN_VALUE}, "x"))
                .hasMessageContaining("1 of 2 timers never fired");
    }

    @Test
    void aSmallRunOfEveryPeerRecordsEveryTimerAndNeverEarly() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> rows = TimerOvershoot.run(TimerOvershoot.Options.parse("--timers", "200", "--rounds", "1",
                "--warmup", "0", "--max-ms", "5"), new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(rows).hasSize(3);
        // early (the column before the counters) is 0: no timer fired before its deadline
        assertThat(rows).allMatch(r -> r.matches("\\S+ +200 round-1 +[0-9. ]+ 0  .*"), "no early timer");
        // the counters are read while the workers run: the last firing may not be counted yet
        assertThat(rows.get(0)).startsWith("spindle").contains("timersFired=");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("peer ");
    }
}
