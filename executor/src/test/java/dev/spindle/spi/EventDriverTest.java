package dev.spindle.spi;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The runtime's side of the {@link EventDriver} contract, with a real selector and pipes. */
@Timeout(value = 60, unit = SECONDS)
class EventDriverTest {

    /** Reads one byte from a pipe: try the read first, register interest only on would-block. */
    static final class ReadByte implements Future<Integer> {
        private final Pipe.SourceChannel source;
        private final ByteBuffer buf = ByteBuffer.allocate(1);
        /** Set once a poll found nothing and registered with the driver. */
        volatile boolean waiting;

        ReadByte(Pipe pipe) throws IOException {
            this.source = pipe.source();
            source.configureBlocking(false);
        }

        @Override
        public Poll<Integer> poll(Context cx) {
            try {
                int n = source.read(buf);
                if (n > 0) {
                    return Poll.ready(buf.get(0) & 0xff);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SelectorTestDriver d = (SelectorTestDriver) SpindleRuntime.current().eventDriver().orElseThrow();
            d.register(source, SelectionKey.OP_READ, cx.waker());
            waiting = true;
            return Poll.pending();
        }
    }

    private static SpindleRuntime runtime(SelectorTestDriver d, String prefix) {
        return SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).eventDriver(d).build();
    }

    @Test
    void readinessFromTheDriverWakesTheWaitingTasks() throws Exception {
        SelectorTestDriver d = new SelectorTestDriver();
        try (SpindleRuntime rt = runtime(d, "drv-read-")) {
            List<Pipe> pipes = new ArrayList<>();
            List<JoinHandle<Integer>> hs = new ArrayList<>();
            List<ReadByte> readers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Pipe p = Pipe.open();
                pipes.add(p);
                ReadByte r = new ReadByte(p);
                readers.add(r);
                hs.add(rt.spawn(r));
            }
            // Everybody is waiting in the selector now: awaited, not slept for, since a byte written before a
            // task's first poll is read without the driver and the test would prove nothing.
            org.awaitility.Awaitility.await().atMost(10, SECONDS).until(() -> readers.stream().allMatch(r -> r.waiting)
                    && rt.metrics().parkedWorkers() == rt.metrics().workers());
            for (int i = 0; i < pipes.size(); i++) {
                pipes.get(i).sink().write(ByteBuffer.wrap(new byte[]{(byte) i}));
            }
            for (int i = 0; i < hs.size(); i++) {
                assertThat(hs.get(i).join(Duration.ofSeconds(10))).isEqualTo(i);
            }
            assertThat(d.dispatched.get()).isGreaterThanOrEqualTo(1);
        }
        assertThat(d.closed).as("close() closes the driver").isTrue();
    }

    @Test
    void timersFireWhileTheDriverOwnerBlocksInTheSelector() {
        SelectorTestDriver d = new SelectorTestDriver();
        try (SpindleRuntime rt = runtime(d, "drv-timer-")) {
            long t0 = System.nanoTime();
            rt.blockOn(Time.sleep(Duration.ofMillis(50)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).isBetween(50L, 5_000L);
            assertThat(d.blockingPolls.get()).as("the sleeper waited in the selector").isPositive();
        }
    }

    @Test
    void eventsAreDispatchedWhileEveryWorkerIsBusy() throws Exception {
        SelectorTestDriver d = new SelectorTestDriver();
        try (SpindleRuntime rt = runtime(d, "drv-busy-")) {
            Pipe p = Pipe.open();
            JoinHandle<Integer> reader = rt.spawn(new ReadByte(p));
            Thread.sleep(50);
            List<JoinHandle<Void>> spinners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                spinners.add(rt.spawn(cx -> {
                    cx.waker().wake(); // always ready: keeps both workers busy
                    return Poll.pending();
                }));
            }
            Thread.sleep(50);
            p.sink().write(ByteBuffer.wrap(new byte[]{42}));
            assertThat(reader.join(Duration.ofSeconds(10))).isEqualTo(42);
            spinners.forEach(JoinHandle::abort);
        }
    }

    @Test
    void anIdleRuntimeBlockedInTheDriverUsesNoCpu() throws Exception {
        SelectorTestDriver d = new SelectorTestDriver();
        String prefix = "drv-idle-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = runtime(d, prefix)) {
            Pipe p = Pipe.open();
            JoinHandle<Integer> reader = rt.spawn(new ReadByte(p)); // waits forever
            Thread.sleep(300);
            long polls0 = d.polls.get();
            long cpu0 = cpu(prefix);
            Thread.sleep(2000);
            long cpu = cpu(prefix) - cpu0;
            assertThat(Duration.ofNanos(cpu)).isLessThan(Duration.ofMillis(50));
            assertThat(d.polls.get() - polls0).as("driver polls while idle (a spin would be thousands)").isLessThan(10);
            assertThat(reader.isDone()).isFalse();
        }
    }

    /** The workers' CPU; fails rather than answering 0 if the prefix matches no thread. */
    private static long cpu(String prefix) {
        return WorkerThreads.cpuNanos(prefix);
    }
}
