package dev.spindle.io.internal;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams closed by a task on one worker while the reactor, on the other, applies their interest and dispatches
 * their readiness: the close cancels the key between the reactor's {@code isValid()} and its next operation on
 * the key often enough to be hit within seconds. Each hit used to throw {@code CancelledKeyException} out of the
 * worker and kill it; now it is contained and counted ({@link IoDriver#cancelledKeyRaces()}), which proves the
 * window was hit. Every reader still completes (no wake is lost) and the runtime still serves afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CloseRacingReactorStressTest {
    private static final int CONNECTIONS_PER_ROUND = 64;
    /** Long enough to hit the window several times on a loaded 2-core machine; ends early once hit enough. */
    private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int WANTED_HITS = 3;

    @Test
    void closesRacingTheReactorAreContainedAndLoseNoWake() throws Exception {
        IoDriver driver = new IoDriver();
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("close-race-")
                .eventDriver(driver).build();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1024)) {
            long start = System.nanoTime();
            int rounds = 0;
            while (driver.cancelledKeyRaces() < WANTED_HITS && System.nanoTime() - start < MAX_NANOS) {
                round(rt, listener, rounds++);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf("close-race: %d rounds of %d connections in %d s, %d contained races%n",
                    rounds, CONNECTIONS_PER_ROUND, seconds, driver.cancelledKeyRaces());
            assertThat(driver.cancelledKeyRaces()).as("the close/reactor window was hit (rounds: %d)", rounds)
                    .isGreaterThanOrEqualTo(1);
            assertThat(rt.metrics().containedFaults()).as("races are handled, not faults").isZero();
            assertThat(rt.failure()).isEmpty();
            assertThat(rt.metrics().perWorker()).hasSize(2);
        }
    }

    /** Reads once; a stream closed under the read completes it with -2 instead of failing the task. */
    private static Future<Integer> readOrFail(TcpStream s) {
        Future<Integer> read = Io.read(s, ByteBuffer.allocate(16));
        return new Future<>() {
            @Override
            public Poll<Integer> poll(Context cx) {
                try {
                    return read.poll(cx);
                } catch (RuntimeException closed) {
                    return Poll.ready(-2);
                }
            }

            @Override
            public void cancel() {
                read.cancel();
            }
        };
    }

    private static void round(SpindleRuntime rt, TcpListener listener, int round) throws Exception {
        List<SocketChannel> peers = new ArrayList<>();
        List<TcpStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS_PER_ROUND; i++) {
                peers.add(SocketChannel.open(listener.localAddress()));
                streams.add(rt.blockOn(listener.accept()));
            }
            // Readers wait on every stream (each asks the reactor for read interest) ...
            List<JoinHandle<Integer>> readers = new ArrayList<>();
            for (TcpStream s : streams) {
                readers.add(rt.spawn(readOrFail(s)));
            }
            // ... while the streams are closed, and the peers send data so readiness is being dispatched too. Even
            // rounds close from a task (on whichever worker does not hold the reactor, or between its polls), odd
            // rounds from this thread, which is sure to run beside the reactor on the other core.
            Runnable closeAll = () -> {
                for (TcpStream s : streams) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
            JoinHandle<Void> closer = null;
            if (round % 2 == 0) {
                closer = rt.spawn(dev.spindle.Futures.lazy(() -> {
                    closeAll.run();
                    return null;
                }));
            } else {
                closeAll.run();
            }
            ByteBuffer one = ByteBuffer.allocate(1);
            for (SocketChannel p : peers) {
                one.clear();
                try {
                    p.write(one);
                } catch (IOException resetByTheClose) {
                    // the stream may be closed already
                }
            }
            if (closer != null) {
                closer.join(Duration.ofSeconds(10));
            }
            for (JoinHandle<Integer> r : readers) {
                r.join(Duration.ofSeconds(10)); // every reader completes: data, EOF or "closed", never a lost wake
            }
        } finally {
            for (SocketChannel p : peers) {
                p.close();
            }
            for (TcpStream s : streams) {
                s.close();
            }
        }
    }
}
