package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The echo server over loopback with blocking clients that write and read at the same time. */
@Timeout(value = 60, unit = SECONDS)
class EchoServerTest {
    private SpindleRuntime rt;
    private ServerHandle server;

    @BeforeEach
    void start() throws IOException {
        rt = Io.runtimeBuilder().workers(2).threadNamePrefix("echo-test-").build();
        server = EchoServer.start(rt, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        try {
            server.close();
        } finally {
            rt.close();
        }
    }

    /**
     * Sends {@code bytes} bytes of seeded random data from a writer thread, then half-closes, while this thread
     * reads everything back until EOF; returns null if the echo matched, else what went wrong.
     */
    static String echoChecked(int port, int bytes, long seed) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            CRC32 sent = new CRC32();
            Thread writer = Thread.ofPlatform().start(() -> {
                Random random = new Random(seed);
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    for (int left = bytes; left > 0; left -= chunk.length) {
                        int n = Math.min(left, chunk.length);
                        random.nextBytes(chunk);
                        sent.update(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            CRC32 received = new CRC32();
            long total = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) { // ends only if the server half-closes after the echo
                received.update(buf, 0, n);
                total += n;
            }
            writer.join();
            if (total != bytes || received.getValue() != sent.getValue()) {
                return "seed " + seed + ": got " + total + " of " + bytes + " bytes, checksums "
                        + Long.toHexString(received.getValue()) + " vs " + Long.toHexString(sent.getValue());
            }
            return null;
        }
    }

    @Test
    void echoesConcurrentClientsByteForByteAndHalfClosesEach() throws Exception {
        int clients = 6;
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long seed = c;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    String failure = echoChecked(server.port(), 3 * 1024 * 1024 + (int) seed * 1001, seed);
                    if (failure != null) {
                        failures.add(failure);
                    }
                } catch (Exception e) {
                    failures.add("seed " + seed + ": " + e);
                }
            }));
        }
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(50))).isTrue();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void aLargeTransferBothWaysAtOnceDoesNotDeadlock() throws Exception {
        // Far more than the socket buffers on the path hold: only a server that keeps going while the client
        // both writes and reads finishes this.
        assertThat(echoChecked(server.port(), 48 * 1024 * 1024, 99)).isNull();
    }

    @Test
    void aClientThatResetsItsConnectionDoesNotDisturbTheOthers() throws Exception {
        try (Socket rude = new Socket("127.0.0.1", server.port())) {
            rude.getOutputStream().write(new byte[100_000]);
            rude.setSoLinger(true, 0); // close() sends RST
        }
        assertThat(echoChecked(server.port(), 1024 * 1024, 5)).isNull();
    }

    @Test
    void closingTheHandleStopsAcceptingButLiveConnectionsGoOn() throws Exception {
        try (Socket live = new Socket("127.0.0.1", server.port())) {
            live.setSoTimeout(10_000);
            live.getOutputStream().write("before".getBytes());
            assertThat(live.getInputStream().readNBytes(6)).isEqualTo("before".getBytes());
            server.close();
            server.close(); // idempotent
            assertThat(server.acceptLoop().join(Duration.ofSeconds(10))).isNull();
            assertThatThrownBy(() -> new Socket("127.0.0.1", server.port()).close()).isInstanceOf(ConnectException.class);
            live.getOutputStream().write("after".getBytes());
            assertThat(live.getInputStream().readNBytes(5)).isEqualTo("after".getBytes());
        }
    }
}
