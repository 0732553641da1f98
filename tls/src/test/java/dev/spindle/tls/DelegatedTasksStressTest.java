package dev.spindle.tls;

import dev.spindle.Context;
import dev.spindle.Waker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DelegatedTasks} on real threads, many times: the task thread (a virtual thread, as in production) ends
 * its tasks while a second role arrives to wait for them, both released by one barrier so the two land as close
 * together as the scheduler allows. A role told to wait must be woken within seconds; the model test
 * ({@link DelegatedTasksModelTest}) explores the same race exhaustively, this one checks it with the JVM's real
 * memory model and a real thread start.
 */
@Tag("stress")
@Timeout(120)
class DelegatedTasksStressTest {
    private static final int ROUNDS = 20_000;

    /** A waker that opens a latch. */
    private static final class LatchWaker implements Waker {
        final CountDownLatch woken = new CountDownLatch(1);

        @Override
        public void wake() {
            woken.countDown();
        }
    }

    @Test
    void aRoleToldToWaitIsAlwaysWoken() throws Exception {
        int waited = 0;
        for (int round = 0; round < ROUNDS; round++) {
            CyclicBarrier together = new CyclicBarrier(2);
            AtomicBoolean taken = new AtomicBoolean();
            AtomicBoolean finished = new AtomicBoolean();
            DelegatedTasks tasks = new DelegatedTasks(() -> taken.getAndSet(true) ? null : () -> await(together),
                    () -> finished.set(true));
            LatchWaker starter = new LatchWaker();
            LatchWaker arriving = new LatchWaker();
            assertThat(tasks.start(RoleWaker.READER, new Context(starter))).isTrue();
            await(together); // the task thread is released with us
            boolean waits = tasks.awaiting(RoleWaker.WRITER, new Context(arriving));
            assertThat(starter.woken.await(10, TimeUnit.SECONDS)).as("round %d: the starter was woken", round).isTrue();
            if (waits) {
                waited++;
                assertThat(arriving.woken.await(10, TimeUnit.SECONDS))
                        .as("round %d: a role told to wait was never woken", round).isTrue();
            }
            awaitTrue(finished);
            assertThat(tasks.running()).isFalse();
            assertThat(tasks.awaiting(RoleWaker.WRITER, new Context(arriving))).isFalse();
        }
        // Both sides of the race happen: sometimes the role still found the tasks running.
        assertThat(waited).as("rounds in which the arriving role had to wait").isPositive();
    }

    @Test
    void aFailingTaskIsReportedOnceAndWakesTheStarter() throws Exception {
        for (int round = 0; round < 1_000; round++) {
            AtomicBoolean taken = new AtomicBoolean();
            AtomicReference<Throwable> seen = new AtomicReference<>();
            DelegatedTasks tasks = new DelegatedTasks(() -> taken.getAndSet(true) ? null : () -> {
                throw new IllegalStateException("round failed");
            }, () -> { });
            LatchWaker starter = new LatchWaker();
            tasks.start(RoleWaker.READER, new Context(starter));
            assertThat(starter.woken.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                tasks.awaiting(RoleWaker.READER, new Context(starter));
            } catch (javax.net.ssl.SSLException e) {
                seen.set(e.getCause());
            }
            assertThat(seen.get()).as("round %d", round).isInstanceOf(IllegalStateException.class);
            assertThat(tasks.awaiting(RoleWaker.READER, new Context(starter))).as("reported once").isFalse();
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(AtomicBoolean b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!b.get()) {
            assertThat(System.nanoTime() - deadline).as("afterFinish ran").isNegative();
            Thread.sleep(0, 100_000);
        }
    }
}
