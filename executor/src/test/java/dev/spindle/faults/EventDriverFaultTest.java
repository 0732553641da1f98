package dev.spindle.faults;

import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.RuntimeClosedException;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.faults.FaultTier.Forever;
import dev.spindle.faults.FaultTier.InjectedFault;
import dev.spindle.faults.FaultTier.ScriptedDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.spindle.faults.FaultTier.assertClosesAndDrains;
import static dev.spindle.faults.FaultTier.assertStillServes;
import static dev.spindle.faults.FaultTier.runtime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An event driver that throws: once while a worker is parked in it, once between tasks, and on every poll.
 * Before the worker loop contained these, the first one killed the worker thread while {@code Idle} still
 * counted it as parked, and 1,000 tasks spawned from outside never completed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventDriverFaultTest {

    @Test
    void aDriverThatThrowsOnceWhileAWorkerIsParkedInItIsContained() throws Exception {
        ScriptedDriver driver = new ScriptedDriver();
        try (SpindleRuntime rt = runtime(2, "fault-driver-parked-", driver)) {
            // Idle runtime: a worker parks in the driver's blocking poll. Make the next blocking poll throw and
            // nudge the parked worker so it polls again.
            driver.failBlocking.set(1);
            driver.wakeup();
            await().atMost(Duration.ofSeconds(10)).until(() -> driver.thrown.get() == 1);

            assertStillServes(rt);
            assertThat(rt.metrics().containedFaults()).isEqualTo(1);
            assertThat(rt.failure()).isEmpty();
            assertThat(rt.metrics().perWorker()).hasSize(2);
            assertClosesAndDrains(rt);
        }
    }

    @Test
    void aDriverThatThrowsBetweenTasksIsContained() throws Exception {
        ScriptedDriver driver = new ScriptedDriver();
        // One worker, so that it is the busy worker that polls the driver between tasks (a parked worker would
        // own the driver and keep the busy one from taking it).
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(1).threadNamePrefix("fault-driver-busy-")
                .eventInterval(2).eventDriver(driver).build()) {
            driver.failNonBlocking.set(3);
            // Keeps the worker busy, yielding, until the driver has thrown three times between its polls.
            JoinHandle<Integer> busy = rt.spawn(FaultTierFutures.yieldUntil(() -> driver.thrown.get() == 3));
            assertThat(busy.join(Duration.ofSeconds(10))).isPositive();

            assertStillServes(rt);
            assertThat(rt.metrics().containedFaults()).isEqualTo(3);
            assertThat(rt.failure()).isEmpty();
            assertClosesAndDrains(rt);
        }
    }

    @Test
    void aDriverThatFailsEveryPollFailsTheRuntimeLoudlyAndStopsPollingIt() throws Exception {
        ScriptedDriver driver = new ScriptedDriver();
        SpindleRuntime rt = runtime(2, "fault-driver-dead-", driver);
        try {
            Forever waiting = new Forever();
            JoinHandle<Void> waiter = rt.spawn(waiting);
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting.polls.get() == 1);

            driver.failAlways = true;
            driver.wakeup();
            await().atMost(Duration.ofSeconds(10)).until(() -> rt.failure().isPresent());

            // Every waiter is woken with the cause: the pending task was cancelled, its release hook ran once.
            assertThatThrownBy(() -> waiter.join(Duration.ofSeconds(10)))
                    .isInstanceOf(TaskCancelledException.class)
                    .hasMessageContaining("the runtime failed")
                    .rootCause().isInstanceOf(InjectedFault.class);
            assertThat(waiting.cancels.get()).isEqualTo(1);
            assertThat(rt.failure().orElseThrow()).hasMessageContaining("event driver failed");
            assertThatThrownBy(() -> rt.spawn(Futures.ready(1)))
                    .isInstanceOf(RuntimeClosedException.class)
                    .hasMessageContaining("failed")
                    .hasRootCauseInstanceOf(InjectedFault.class);

            // Given up: nobody polls the driver any more, so the failure cannot turn into a spin.
            long polls = driver.polls.get();
            Thread.sleep(300);
            assertThat(driver.polls.get()).isEqualTo(polls);
        } finally {
            Thread closer = Thread.ofPlatform().start(rt::close);
            closer.join(10_000);
            assertThat(closer.isAlive()).as("close() of a failed runtime returns").isFalse();
        }
        assertThat(rt.isTerminated()).isTrue();
        assertThat(driver.closed).isTrue();
    }
}
