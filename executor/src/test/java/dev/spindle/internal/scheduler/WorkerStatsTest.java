package dev.spindle.internal.scheduler;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each count of {@link WorkerStats} lands in its own counter, and a reader on another thread sees it. */
class WorkerStatsTest {

    @Test
    void eachCountLandsInItsOwnCounter() {
        WorkerStats s = new WorkerStats();
        s.countPoll();
        s.countPoll();
        s.countSteal(5);
        s.countSteal(1);
        s.countPark();
        s.countPark();
        s.countPark();
        s.countNotifiedWake();
        s.countLifoPoll();
        s.countLifoPoll();
        s.countLifoPoll();
        s.countLifoPoll();
        s.countOverflowed(64);
        s.countTimersFired(7);
        assertThat(s.polls()).isEqualTo(2);
        assertThat(s.steals()).isEqualTo(2);
        assertThat(s.stolenTasks()).isEqualTo(6);
        assertThat(s.parks()).isEqualTo(3);
        assertThat(s.notifiedWakes()).isEqualTo(1);
        assertThat(s.lifoPolls()).isEqualTo(4);
        assertThat(s.overflowed()).isEqualTo(64);
        assertThat(s.timersFired()).isEqualTo(7);
    }

    @Test
    void anotherThreadSeesTheOwnersCounts() throws InterruptedException {
        WorkerStats s = new WorkerStats();
        Thread owner = new Thread(() -> {
            for (int i = 0; i < 100_000; i++) {
                s.countPoll();
            }
        });
        owner.start();
        long last = 0;
        while (owner.isAlive()) {
            long now = s.polls();
            assertThat(now).as("an opaque counter never goes back").isGreaterThanOrEqualTo(last);
            last = now;
        }
        owner.join();
        assertThat(s.polls()).isEqualTo(100_000);
    }
}
