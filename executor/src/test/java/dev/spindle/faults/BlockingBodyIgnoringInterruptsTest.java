package dev.spindle.faults;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.faults.FaultTier.runtime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A spawnBlocking body that ignores the interrupt its abort sends. The decision (see BlockingTask): its handle
 * completes, cancelled, only when the body returns, and close() waits for that, so that close() never returns
 * with a thread of the runtime still running. Before, the abort completed the handle at once and close()
 * returned while the body went on.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingBodyIgnoringInterruptsTest {

    @Test
    void closeWaitsForABodyThatIgnoresItsInterrupt() throws Exception {
        SpindleRuntime rt = runtime(1, "fault-blocking-stubborn-", null);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> bodyThread = new AtomicReference<>();
        AtomicInteger interruptsSeen = new AtomicInteger();
        JoinHandle<String> h = rt.spawnBlocking(() -> {
            bodyThread.set(Thread.currentThread());
            started.countDown();
            for (;;) {
                try {
                    if (release.await(10, TimeUnit.MILLISECONDS)) {
                        return "finished anyway";
                    }
                } catch (InterruptedException e) {
                    interruptsSeen.incrementAndGet(); // and carries on: the case under test
                }
            }
        });
        started.await();

        Thread closer = Thread.ofPlatform().start(rt::close);
        closer.join(500);
        assertThat(closer.isAlive()).as("close() waits while the body runs").isTrue();
        assertThat(interruptsSeen.get()).as("the abort interrupted the body").isGreaterThanOrEqualTo(1);
        assertThat(h.isDone()).as("the handle is not done while its body runs").isFalse();

        release.countDown();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(bodyThread.get().isAlive()).as("no thread of the runtime is left").isFalse();
        assertThat(h.isDone()).isTrue();
        assertThatThrownBy(h::join).isInstanceOf(TaskCancelledException.class).hasMessageContaining("aborted");
    }

    @Test
    void anAbortedBodyThatHonoursItsInterruptCompletesItsHandleWhenItReturns() throws Exception {
        try (SpindleRuntime rt = runtime(1, "fault-blocking-polite-", null)) {
            CountDownLatch started = new CountDownLatch(1);
            JoinHandle<String> h = rt.spawnBlocking(() -> {
                started.countDown();
                Thread.sleep(60_000);
                return "slept";
            });
            started.await();
            h.abort();
            assertThatThrownBy(() -> h.join(java.time.Duration.ofSeconds(10)))
                    .isInstanceOf(TaskCancelledException.class);
            // The body's thread completes the handle, then counts the task finished: a joiner can look in between.
            await().atMost(java.time.Duration.ofSeconds(5)).until(() -> rt.metrics().alive() == 0);
        }
    }
}
