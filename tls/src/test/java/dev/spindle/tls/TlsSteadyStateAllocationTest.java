package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.testkit.WorkerThreads;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TLS echo allocates, per round trip, what the engine itself allocates and (almost) nothing more: the record
 * buffers cycle through {@link RecordBuffers}, results are shared, and no per-record object is made by
 * {@link TlsStream}. The engine's own share (at least one {@code SSLEngineResult} per {@code wrap} and
 * {@code unwrap}, which the API leaves no way to avoid, plus whatever the engine allocates inside) is measured
 * first by driving a pair of engines in memory on this thread, then subtracted.
 */
@Timeout(value = 60, unit = SECONDS)
class TlsSteadyStateAllocationTest {
    private static final int MESSAGE = 1000;
    private static final int WARMUP = 5_000;
    private static final int MEASURED = 10_000;
    /**
     * Bytes per round trip that {@link TlsStream} and the I/O layer may add to the engine's own allocation:
     * amortized growth such as the reactor's interest queue (the plain TCP echo measures 0.23 B), and noise in
     * the per-thread counters. A per-record object of ours (a {@code Poll}, a buffer, a boxed count) costs 16 B
     * or more, twice per round trip, and fails it.
     */
    private static final double MAX_EXTRA_BYTES_PER_ROUND_TRIP = 16;

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#all")
    void anEchoRoundTripAllocatesNoMoreThanTheEngineDoes(TlsEngine engine) throws Exception {
        double engineShare = engineBytesPerRoundTrip(engine);
        double measured = streamBytesPerRoundTrip(engine);
        System.out.printf("%s engine: %.1f B per round trip in the engine alone, %.1f B through TlsStream on the"
                + " workers (%d B messages, TLSv1.3)%n", engine, engineShare, measured, MESSAGE);
        assertThat(measured - engineShare)
                .as("bytes per round trip beyond the engine's own (%s: engine %.1f, TlsStream echo %.1f)",
                        engine, engineShare, measured)
                .isLessThan(MAX_EXTRA_BYTES_PER_ROUND_TRIP);
    }

    /**
     * One side's allocation per round trip with the engines alone: client wrap, server unwrap, server wrap,
     * client unwrap, preallocated buffers, all on this thread; both sides do the same work, so one side is half.
     */
    private static double engineBytesPerRoundTrip(TlsEngine engine) throws Exception {
        MemoryTls m = MemoryTls.handshake(Engines.context(engine, SERVER.trustContext()),
                Engines.context(engine, SERVER.serverContext()), "TLSv1.3");
        try {
            int packet = m.client.getSession().getPacketBufferSize();
            int app = m.client.getSession().getApplicationBufferSize();
            ByteBuffer msg = ByteBuffer.allocate(MESSAGE);
            ByteBuffer net = ByteBuffer.allocate(2 * packet);
            ByteBuffer atServer = ByteBuffer.allocate(2 * app);
            ByteBuffer atClient = ByteBuffer.allocate(2 * app);
            // Post-handshake messages (TLS 1.3 tickets) are consumed by the first exchanges of the warm-up.
            engineRoundTrips(m, msg, net, atServer, atClient, WARMUP);
            long before = MX.getCurrentThreadAllocatedBytes();
            engineRoundTrips(m, msg, net, atServer, atClient, MEASURED);
            return (MX.getCurrentThreadAllocatedBytes() - before) / 2.0 / MEASURED;
        } finally {
            BoringSsl.FACTORY.release(m.client);
            BoringSsl.FACTORY.release(m.server);
        }
    }

    private static void engineRoundTrips(MemoryTls m, ByteBuffer msg, ByteBuffer net, ByteBuffer atServer,
                                         ByteBuffer atClient, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            pass(m.client, m.server, msg.clear(), net, atServer);
            pass(m.server, m.client, atServer.flip(), net, atClient); // the echo
            if (atClient.position() != MESSAGE) {
                throw new IOException("the echo brought " + atClient.position() + " bytes back");
            }
        }
    }

    /** {@code from} wraps {@code src}; {@code to} unwraps into {@code dst} (left in write mode). */
    private static void pass(SSLEngine from, SSLEngine to, ByteBuffer src, ByteBuffer net, ByteBuffer dst)
            throws IOException {
        net.clear();
        while (src.hasRemaining()) {
            from.wrap(src, net);
        }
        net.flip();
        dst.clear();
        while (net.hasRemaining()) {
            var r = to.unwrap(net, dst);
            if (r.bytesConsumed() == 0) {
                throw new IOException("unwrap made no progress: " + r + " net " + net + " dst " + dst);
            }
        }
    }

    /** The workers' allocation per round trip of a TLS echo ({@code Io.copy}); the client is a JDK socket. */
    private static double streamBytesPerRoundTrip(TlsEngine engine) throws Exception {
        String prefix = "tls-alloc-" + System.nanoTime() + "-";
        try (SpindleRuntime rt = TlsTestSupport.runtime(prefix); TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            // The echo is Io.copy (its pump reuses one buffer), so what is measured is what an application gets.
            JoinHandle<Long> server = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, "TLSv1.3")).flatMap(TlsTestSupport::echo));
            try (SSLSocket c = (SSLSocket) SERVER.trustContext().getSocketFactory()
                    .createSocket("127.0.0.1", l.localAddress().getPort())) {
                c.setEnabledProtocols(new String[]{"TLSv1.3"});
                c.setTcpNoDelay(true);
                c.setSoTimeout(30_000);
                OutputStream out = c.getOutputStream();
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] msg = new byte[MESSAGE];
                byte[] back = new byte[MESSAGE];
                Arrays.fill(msg, (byte) 7);
                roundTrips(out, in, msg, back, WARMUP);
                                long before = WorkerThreads.allocatedBytes(prefix);
                roundTrips(out, in, msg, back, MEASURED);
                long after = WorkerThreads.allocatedBytes(prefix);
                assertThat(back).isEqualTo(msg);
                c.shutdownOutput();
                server.join(Duration.ofSeconds(10));
                return (after - before) / (double) MEASURED;
            }
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
