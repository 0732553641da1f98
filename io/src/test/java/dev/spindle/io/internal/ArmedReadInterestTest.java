package dev.spindle.io.internal;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.testkit.WorkerThreads;
import dev.spindle.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Read interest left armed between reads (lazy disarm, see {@link ScheduledIo}) over real sockets on 127.0.0.1:
 * request/response rounds where the server waits a random while between reading and waiting again (so events
 * find it waiting, busy, or gone, and its clears race the reactor's disarm) never hang; and a socket whose data
 * nobody reads is reported a bounded number of times, then never again, instead of making select return in a
 * loop. The model checks of the same handshakes are in {@link IoDriverModelCheckTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArmedReadInterestTest {
    private static final int CONNECTIONS = 8;
    private static final long STRESS_NANOS = TimeUnit.MILLISECONDS.toNanos(2_500);

    /**
     * An echo that, after each read and after each write, waits a random while: not at all, a yield, or a
     * sleep of up to 2 ms, and reads into a buffer of random size, so a request may take several reads.
     */
    private static final class DelayedEcho implements Future<Long> {
        private final TcpStream stream;
        private final SplittableRandom random;
        private final ByteBuffer buf = ByteBuffer.allocate(256);
        private Future<Void> delay;
        private boolean writing;
        private long echoed;

        DelayedEcho(TcpStream stream, long seed) {
            this.stream = stream;
            this.random = new SplittableRandom(seed);
            buf.limit(1 + random.nextInt(buf.capacity()));
        }

        @Override
        public Poll<Long> poll(Context cx) {
            try {
                for (;;) {
                    if (delay != null) {
                        if (delay.poll(cx).isPending()) {
                            return Poll.pending();
                        }
                        delay = null;
                    }
                    if (!writing) {
                        Poll<Integer> r = stream.pollRead(cx, buf);
                        if (r.isPending()) {
                            return Poll.pending();
                        }
                        if (r.value() < 0) {
                            stream.close();
                            return Poll.ready(echoed);
                        }
                        buf.flip();
                        writing = true;
                    } else {
                        Poll<Integer> w = stream.pollWrite(cx, buf);
                        if (w.isPending()) {
                            return Poll.pending();
                        }
                        echoed += w.value();
                        if (buf.hasRemaining()) {
                            continue;
                        }
                        buf.clear().limit(1 + random.nextInt(buf.capacity()));
                        writing = false;
                    }
                    delay = randomDelay(random);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Future<Void> randomDelay(SplittableRandom random) {
        int dice = random.nextInt(10);
        if (dice < 4) {
            return null;
        }
        if (dice < 7) {
            return Futures.yieldNow();
        }
        return Time.sleep(Duration.ofNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(2))));
    }

    @Test
    void requestResponseRoundsWithRandomDelaysNeverHang() throws Exception {
        FaultySelector selector = new FaultySelector(); // counts only, fails nothing
        IoDriver driver = new IoDriver(selector);
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("armed-read-stress-")
                .eventDriver(driver).build();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128)) {
            List<Socket> clients = new ArrayList<>();
            List<JoinHandle<Long>> servers = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket c = new Socket();
                c.connect(listener.localAddress());
                c.setTcpNoDelay(true);
                c.setSoTimeout(10_000); // a read that blocks this long is a hang: the test fails with a timeout
                clients.add(c);
                long seed = i;
                servers.add(rt.spawn(listener.accept().flatMap(s -> new DelayedEcho(s, seed))));
            }
            AtomicLong rounds = new AtomicLong();
            AtomicLong bytes = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            long end = System.nanoTime() + STRESS_NANOS;
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket c = clients.get(i);
                long seed = 1000 + i;
                threads.add(Thread.ofPlatform().name("armed-read-client-" + i).start(() -> {
                    try {
                        clientRounds(c, new SplittableRandom(seed), end, rounds, bytes);
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).as("client thread %s ended", t.getName()).isFalse();
            }
            assertThat(failures).as("client failures (a SocketTimeoutException is a hang)").isEmpty();
            long echoedByServers = 0;
            for (JoinHandle<Long> h : servers) {
                echoedByServers += h.join(Duration.ofSeconds(10)); // each ends at its client's EOF
            }
            System.out.printf("armed-read stress: %d rounds, %d bytes on %d connections; %d selects, %d keys"
                    + " reported%n", rounds.get(), bytes.get(), CONNECTIONS, selector.selects.get(),
                    selector.reported.get());
            assertThat(echoedByServers).isEqualTo(bytes.get());
            assertThat(rounds.get()).as("rounds done").isGreaterThanOrEqualTo(CONNECTIONS * 10L);
            assertThat(rt.failure()).isEmpty();
            assertThat(rt.metrics().containedFaults()).isZero();
        }
    }

    /**
     * Sends a request of 1 to 600 bytes, at times in two parts with a pause between them (so data arrives while
     * the server is between reads), reads it all back and compares, until {@code end}; then half-closes.
     */
    private static void clientRounds(Socket c, SplittableRandom random, long end, AtomicLong rounds,
                                     AtomicLong bytes) throws Exception {
        try (c) {
            OutputStream out = c.getOutputStream();
            InputStream in = c.getInputStream();
            byte[] echo = new byte[600];
            while (System.nanoTime() < end) {
                int n = 1 + random.nextInt(echo.length);
                byte[] req = new byte[n];
                random.nextBytes(req);
                if (n > 1 && random.nextInt(3) == 0) {
                    int cut = 1 + random.nextInt(n - 1);
                    out.write(req, 0, cut);
                    out.flush();
                    if (random.nextBoolean()) {
                        Thread.sleep(0, random.nextInt(500_000));
                    } else {
                        Thread.onSpinWait();
                    }
                    out.write(req, cut, n - cut);
                } else {
                    out.write(req);
                }
                out.flush();
                int got = 0;
                while (got < n) {
                    int r = in.read(echo, got, n - got);
                    assertThat(r).as("the server closed early").isPositive();
                    got += r;
                }
                assertThat(Arrays.equals(echo, 0, n, req, 0, n)).as("echo of round %d", rounds.get()).isTrue();
                rounds.incrementAndGet();
                bytes.addAndGet(n);
            }
            c.shutdownOutput();
            assertThat(in.read()).as("the server half-closes after the client's EOF").isEqualTo(-1);
        }
    }

    /**
     * Two connections whose data nobody reads. The first task read once (woken by the reactor, which then keeps
     * read interest armed) and went to sleep without reading again: its next data is reported once, finds
     * nobody, and read interest is dropped. The second task's read timed out: its waker is stale in the slot; its
     * next data is reported to that waker (a spurious wake of the sleeping task), then once more to nobody, and
     * interest is dropped. After that, no select returns for these sockets however long the data stays unread.
     */
    @Test
    void unreadDataDoesNotMakeTheReactorSpin() throws Exception {
        FaultySelector selector = new FaultySelector();
        IoDriver driver = new IoDriver(selector);
        String prefix = "armed-read-idle-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).eventDriver(driver)
                .build();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0));
             Socket sleeperPeer = new Socket("127.0.0.1", listener.localAddress().getPort());
             Socket timedOutPeer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            TcpStream sleeper = rt.blockOn(listener.accept());
            TcpStream timedOut = rt.blockOn(listener.accept());

            AtomicBoolean firstRead = new AtomicBoolean();
            JoinHandle<Void> sleeping = rt.spawn(Io.read(sleeper, ByteBuffer.allocate(1)).flatMap(n -> {
                firstRead.set(true);
                return Time.sleep(Duration.ofSeconds(30)); // does not read again
            }));
            AtomicBoolean timedOutRead = new AtomicBoolean();
            JoinHandle<Void> timingOut = rt.spawn(Futures.lazy(() -> null).flatMap(v -> {
                Future<Integer> read = Time.timeout(Duration.ofMillis(50), Io.read(timedOut, ByteBuffer.allocate(1)));
                return new Future<Void>() {
                    private Future<Void> after;

                    @Override
                    public Poll<Void> poll(Context cx) {
                        if (after == null) {
                            try {
                                if (read.poll(cx).isPending()) {
                                    return Poll.pending();
                                }
                                throw new AssertionError("nothing was sent: the read must time out");
                            } catch (dev.spindle.time.DeadlineExceededException expected) {
                                timedOutRead.set(true);
                                after = Time.sleep(Duration.ofSeconds(30)); // does not read again
                            }
                        }
                        return after.poll(cx);
                    }

                    @Override
                    public void cancel() {
                        if (after != null) {
                            after.cancel();
                        } else {
                            read.cancel();
                        }
                    }
                };
            }));
            sleeperPeer.getOutputStream().write(1); // wakes the sleeper's first read: interest stays armed
            await().atMost(Duration.ofSeconds(10)).until(() -> firstRead.get() && timedOutRead.get());
            Thread.sleep(50); // the sleeper's first read is done, and its worker parked

            long reportedBefore = selector.reported.get();
            sleeperPeer.getOutputStream().write(new byte[100]);
            timedOutPeer.getOutputStream().write(new byte[100]);
            Thread.sleep(300);
            long reportedAfterData = selector.reported.get() - reportedBefore;

            long selects0 = selector.selects.get();
            long reported0 = selector.reported.get();
            long cpu0 = WorkerThreads.cpuNanos(prefix);
            Thread.sleep(300);
            long selects = selector.selects.get() - selects0;
            long reported = selector.reported.get() - reported0;
            long cpu = WorkerThreads.cpuNanos(prefix) - cpu0;
            System.out.printf("armed-read idle: %d reports after the unread data, then over 300 ms: %d selects, %d"
                    + " reports, %d us of worker CPU%n", reportedAfterData, selects, reported, cpu / 1000);

            assertThat(reportedAfterData).as("reports of the unread data (at most 1 + 2)").isBetween(1L, 3L);
            assertThat(reported).as("keys reported over 300 ms while the data stays unread").isZero();
            assertThat(selects).as("selects over 300 ms while the data stays unread").isLessThan(10);
            assertThat(cpu).as("worker CPU over 300 ms").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(sleeping.isDone()).isFalse();
            assertThat(timingOut.isDone()).isFalse();
            assertThat(rt.failure()).isEmpty();
            sleeper.close();
            timedOut.close();
        }
    }
}
