package dev.spindle;

import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class RuntimeSmokeTest {

    static Future<Void> yieldOnce() {
        boolean[] yielded = {false};
        return cx -> {
            if (yielded[0]) {
                return Poll.readyNull();
            }
            yielded[0] = true;
            cx.waker().wake();
            return Poll.pending();
        };
    }

    @Test
    void spawnJoinSleepYield() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).build()) {
            assertThat(rt.blockOn(cx -> Poll.ready(41)).intValue()).isEqualTo(41);
            long t0 = System.nanoTime();
            rt.blockOn(Time.sleep(Duration.ofMillis(50)));
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(50_000_000L);

            AtomicInteger done = new AtomicInteger();
            List<JoinHandle<Integer>> hs = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                int n = i;
                hs.add(rt.spawn(yieldOnce().map(v -> { done.incrementAndGet(); return n; })));
            }
            long sum = 0;
            for (JoinHandle<Integer> h : hs) {
                sum += h.join();
            }
            assertThat(sum).isEqualTo(10_000L * 9_999 / 2);
            assertThat(done.get()).isEqualTo(10_000);
            // spawn from inside a task
            int inner = rt.blockOn(cx -> {
                return Poll.ready(0);
            }).intValue();
            assertThat(inner).isZero();
            System.out.println(rt.metrics().describe());
        }
    }
}
