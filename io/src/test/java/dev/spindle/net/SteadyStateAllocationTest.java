package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.testkit.WorkerThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads and writes allocate nothing per call in steady state: an echo connection's round trips, measured
 * with the JVM's per-thread allocation counters on the runtime's workers.
 *
 * <p>Measured on JDK 25 (2026-11-25): 0.23 bytes per round trip, from amortized growth such as the reactor's
 * interest queue (a JCTools unbounded queue adds a chunk of 256 slots when full). A {@code Ready} and a boxed
 * count per read and per write (as before the shared {@code Poll.readyCount}) measured 64 bytes per round
 * trip of 1,000-byte messages and fail the bound.
 */
@Timeout(value = 60, unit = SECONDS)
class SteadyStateAllocationTest {
    private static final int MESSAGE = 1000;
    private static final int WARMUP = 5_000;
    private static final int MEASURED = 20_000;
    private static final double MAX_BYTES_PER_ROUND_TRIP = 8;

    /** Echo written against pollRead/pollWrite directly, with one direct buffer for the connection. */
    private static final class Echo implements Future<Void> {
        private final TcpStream s;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
        private boolean writing;

        Echo(TcpStream s) {
            this.s = s;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            try {
                for (;;) {
                    if (!writing) {
                        Poll<Integer> r = s.pollRead(cx, buf.clear());
                        if (r.isPending()) {
                            return Poll.pending();
                        }
                        if (r.value() < 0) {
                            s.close();
                            return Poll.readyNull();
                        }
                        buf.flip();
                        writing = true;
                    }
                    while (buf.hasRemaining()) {
                        if (s.pollWrite(cx, buf).isPending()) {
                            return Poll.pending();
                        }
                    }
                    writing = false;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void echoRoundTripsDoNotAllocateOnWorkers() throws Exception {
        String prefix = "alloc-test-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build();
             TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            JoinHandle<Void> server = rt.spawn(l.accept().flatMap(Echo::new));
            try (Socket c = new Socket("127.0.0.1", l.localAddress().getPort())) {
                c.setTcpNoDelay(true);
                OutputStream out = c.getOutputStream();
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] msg = new byte[MESSAGE];
                byte[] back = new byte[MESSAGE];
                Arrays.fill(msg, (byte) 7);
                roundTrips(out, in, msg, back, WARMUP);
                                long before = WorkerThreads.allocatedBytes(prefix);
                roundTrips(out, in, msg, back, MEASURED);
                long after = WorkerThreads.allocatedBytes(prefix);
                double perRoundTrip = (after - before) / (double) MEASURED;
                assertThat(perRoundTrip)
                        .as("bytes allocated on the workers per echo round trip (%d B messages)", MESSAGE)
                        .isLessThan(MAX_BYTES_PER_ROUND_TRIP);
                assertThat(back).isEqualTo(msg);
            }
            server.join(java.time.Duration.ofSeconds(10));
        }
    }

    private static void roundTrips(OutputStream out, DataInputStream in, byte[] msg, byte[] back, int n)
            throws IOException {
        for (int i = 0; i < n; i++) {
            out.write(msg);
            in.readFully(back);
        }
    }
}
