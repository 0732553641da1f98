package dev.spindle.io.internal;

import dev.spindle.testkit.RecordingWaker;
import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskCancelledException;
import dev.spindle.Waker;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The reactor's fault tier: a key cancelled between {@code isValid()} and the operation on it (deterministic
 * stub), a selector whose select throws, a waker that throws while readiness is dispatched, and a driver closed
 * under a running runtime. After each, the runtime still serves and still drains on close.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IoDriverFaultTest {


    @Test
    void aKeyCancelledBetweenIsValidAndInterestOpsIsContainedAndWakesTheWaiter() throws IOException {
        IoDriver driver = new IoDriver();
        Pipe pipe = Pipe.open();
        try {
            ScheduledIo sio = driver.register(pipe.source());
            StubKey key = new StubKey(sio.key);
            sio.key = key;
            key.throwOnInterestOps = true;
            RecordingWaker waker = new RecordingWaker();
            assertThat(ScheduledIo.isPending(sio.pollReady(new Context(waker), ScheduledIo.READABLE))).isTrue();

            driver.poll(0); // applies the interest request: interestOps throws CancelledKeyException

            assertThat(driver.cancelledKeyRaces()).isEqualTo(1);
            assertThat(waker.wakeCount()).as("the waiter is woken to find out the stream is gone").isEqualTo(1);
        } finally {
            pipe.source().close();
            pipe.sink().close();
            driver.close();
        }
    }

    @Test
    void aKeyCancelledBetweenIsValidAndReadyOpsIsContainedAndWakesBothDirections() throws IOException {
        IoDriver driver = new IoDriver();
        Pipe pipe = Pipe.open();
        try {
            ScheduledIo sio = driver.register(pipe.source());
            StubKey key = new StubKey(sio.key);
            key.throwOnReadyOps = true;
            RecordingWaker reader = new RecordingWaker();
            assertThat(ScheduledIo.isPending(sio.pollReady(new Context(reader), ScheduledIo.READABLE))).isTrue();

            driver.onSelected(key); // what select would call for a ready key: readyOps throws

            assertThat(driver.cancelledKeyRaces()).isEqualTo(1);
            assertThat(reader.wakeCount()).isEqualTo(1);
        } finally {
            pipe.source().close();
            pipe.sink().close();
            driver.close();
        }
    }

    @Test
    void aReaderWakerThatThrowsDoesNotCostTheWriterItsWake() throws IOException {
        IoDriver driver = new IoDriver();
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()
                .bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            ScheduledIo sio = driver.register(accepted);
            AtomicInteger throwingWakes = new AtomicInteger();
            Waker throwing = () -> {
                throwingWakes.incrementAndGet();
                throw new IllegalStateException("injected failure of a waker");
            };
            RecordingWaker writer = new RecordingWaker();
            assertThat(ScheduledIo.isPending(sio.pollReady(new Context(throwing), ScheduledIo.READABLE))).isTrue();
            // Writable is not set yet (nothing assumed it): the writer waits too.
            assertThat(ScheduledIo.isPending(sio.pollReady(new Context(writer), ScheduledIo.WRITABLE))).isTrue();

            sio.setReadiness(ScheduledIo.READABLE | ScheduledIo.WRITABLE); // one event, both directions

            assertThat(throwingWakes.get()).isEqualTo(1);
            assertThat(writer.wakeCount()).as("the writer is woken although the reader's waker threw").isEqualTo(1);
        } finally {
            driver.close();
        }
    }

    @Test
    void aSelectorThatThrowsIsContainedAndIoGoesOn() throws Exception {
        FaultySelector selector = new FaultySelector();
        IoDriver driver = new IoDriver(selector);
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("io-fault-selector-")
                .eventDriver(driver).build();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            selector.failSelects.set(2);
            driver.wakeup(); // the parked worker selects again, and fails
            await().atMost(Duration.ofSeconds(10)).until(() -> selector.failed.get() == 2);
            assertThat(rt.metrics().containedFaults()).isEqualTo(2);
            assertThat(rt.failure()).isEmpty();

            assertEchoWorks(rt, listener);
            assertStillServes(rt);
        }
    }

    @Test
    void aWakerThatThrowsWhileReadinessIsDispatchedCostsNoOtherWake() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("io-fault-waker-").build();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel badPeer = SocketChannel.open(listener.localAddress());
             SocketChannel goodPeer = SocketChannel.open(listener.localAddress())) {
            TcpStream bad = rt.blockOn(listener.accept());
            TcpStream good = rt.blockOn(listener.accept());
            AtomicInteger throwingWakes = new AtomicInteger();
            Waker throwing = () -> {
                throwingWakes.incrementAndGet();
                throw new IllegalStateException("injected failure of a waker");
            };
            // A user future that reads with its own context, whose waker throws; then stays pending.
            boolean[] registered = {false};
            rt.spawn(cx -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    Context own = new Context(throwing);
                    while (bad.pollRead(own, b).isReady()) {
                        b.clear(); // drain what assumeReady lets through until it would block and registers
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                registered[0] = true;
                return Poll.pending();
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> registered[0]);
            JoinHandle<Integer> goodRead = rt.spawn(Io.read(good, ByteBuffer.allocate(8)));

            badPeer.write(ByteBuffer.wrap(new byte[]{1}));
            goodPeer.write(ByteBuffer.wrap(new byte[]{2}));
            assertThat(goodRead.join(Duration.ofSeconds(10))).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> throwingWakes.get() == 1);
            assertThat(rt.metrics().containedFaults()).isEqualTo(1);

            assertEchoWorks(rt, listener);
            assertStillServes(rt);
            bad.close();
            good.close();
        }
    }

    @Test
    void aDriverClosedUnderARunningRuntimeFailsItLoudlyWithoutSpinning() throws Exception {
        IoDriver driver = new IoDriver();
        String prefix = "io-fault-closed-driver-";
        SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).eventDriver(driver).build();
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            JoinHandle<TcpStream> accepting = rt.spawn(listener.accept());
            await().atMost(Duration.ofSeconds(10)).until(() -> rt.metrics().totalPolls() >= 1);

            driver.close(); // a user closing the driver the runtime still polls

            await().atMost(Duration.ofSeconds(10)).until(() -> rt.failure().isPresent());
            assertThat(rt.failure().orElseThrow()).hasMessageContaining("event driver");
            assertThat(rt.failure().orElseThrow().getCause()).hasMessageContaining("I/O driver was closed");
            assertThatThrownBy(() -> accepting.join(Duration.ofSeconds(10)))
                    .isInstanceOf(TaskCancelledException.class).hasMessageContaining("the runtime failed");

            // No spin: the given-up driver is not polled, and idle workers cost (almost) no CPU.
            long before = WorkerThreads.cpuNanos(prefix);
            Thread.sleep(500);
            long used = WorkerThreads.cpuNanos(prefix) - before;
            assertThat(used).as("worker CPU over 500 ms after the failure").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
        } finally {
            Thread closer = Thread.ofPlatform().start(rt::close);
            closer.join(10_000);
            assertThat(closer.isAlive()).as("close() returns").isFalse();
        }
    }

    /** A 64-byte echo over a fresh connection through the runtime. */
    private static void assertEchoWorks(SpindleRuntime rt, TcpListener listener) throws Exception {
        JoinHandle<Long> server = rt.spawn(listener.accept().flatMap(s -> Io.copy(s, s).map(n -> {
            closeQuietly(s);
            return n;
        })));
        try (SocketChannel client = SocketChannel.open(listener.localAddress())) {
            ByteBuffer out = ByteBuffer.allocate(64);
            while (out.hasRemaining()) {
                out.put((byte) out.position());
            }
            out.flip();
            client.write(out);
            ByteBuffer in = ByteBuffer.allocate(64);
            while (in.hasRemaining()) {
                if (client.read(in) < 0) {
                    break;
                }
            }
            assertThat(in.array()).isEqualTo(out.array());
            client.shutdownOutput();
            assertThat(server.join(Duration.ofSeconds(10))).isEqualTo(64);
        }
    }

    private static void closeQuietly(TcpStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the echo is done; a failed close is not what this test checks
        }
    }

    /** 1,000 tasks spawned from this (outside) thread all complete within 10 s. */
    private static void assertStillServes(SpindleRuntime rt) throws Exception {
        List<JoinHandle<Integer>> handles = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            Future<Integer> f = i % 2 == 0 ? Futures.yieldNow().map(v -> n) : Time.sleep(Duration.ofMillis(1)).map(v -> n);
            handles.add(rt.spawn(f));
        }
        long sum = 0;
        for (JoinHandle<Integer> h : handles) {
            sum += h.join(Duration.ofSeconds(10));
        }
        assertThat(sum).isEqualTo(999L * 1_000 / 2);
    }
}
