package dev.spindle.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.diagnostics.LeakDetection;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakReport;
import dev.spindle.io.Split;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leak detection of TCP resources: a stream (accepted or connected) or listener collected without close is
 * reported, with its addresses; closed ones, and a stream closed through one of its split halves, are not. The
 * reports of resources made by this class are claimed by a listener, so the strict extension does not count them.
 */
@Timeout(value = 60, unit = SECONDS)
class TcpLeakTest {
    private final LeakDetection startLevel = LeakDetector.level();
    private final List<LeakReport> claimed = new CopyOnWriteArrayList<>();
    /** This test's listener ports: its resources' descriptions name them (streams are made on worker threads). */
    private final Set<Integer> ports = ConcurrentHashMap.newKeySet();
    private final Predicate<LeakReport> listener = r -> {
        boolean ours = ports.stream().anyMatch(p -> r.what().contains("127.0.0.1:" + p + "-")
                || r.what().endsWith("127.0.0.1:" + p));
        if (ours) {
            claimed.add(r);
        }
        return ours;
    };
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        LeakDetector.addListener(listener);
        rt = SpindleRuntime.builder().workers(1).threadNamePrefix("tcp-leak-test-").build();
    }

    @AfterEach
    void stop() {
        rt.close();
        LeakDetector.removeListener(listener);
        LeakDetector.setLevel(startLevel);
    }

    @Test
    void unclosedStreamsAndListenerAreReportedWithTheirAddresses() throws Exception {
        int port = leakAConnection();
        awaitClaimed(3);
        assertThat(claimed).extracting(LeakReport::what).anySatisfy(w -> assertThat(w)
                        .matches("TcpStream /127\\.0\\.0\\.1:\\d+->/127\\.0\\.0\\.1:" + port))
                .anySatisfy(w -> assertThat(w).matches("TcpStream /127\\.0\\.0\\.1:" + port + "->/127\\.0\\.0\\.1:\\d+"))
                .anySatisfy(w -> assertThat(w).isEqualTo("TcpListener /127.0.0.1:" + port));
        assertThat(claimed).allSatisfy(r -> assertThat(r.message())
                .startsWith("LEAK: " + r.what() + " was garbage-collected without close(); created at:"));
    }

    /**
     * Connects to a new listener and drops all three resources unclosed; returns the listener's port. On a runtime
     * of its own, closed before the leaks are awaited: a live runtime may still hold its last tasks' results.
     */
    private int leakAConnection() throws IOException {
        try (SpindleRuntime own = SpindleRuntime.builder().workers(1).threadNamePrefix("tcp-leak-test-own-").build()) {
            TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = l.localAddress().getPort();
            ports.add(port);
            var accepted = own.spawn(l.accept());
            TcpStream client = own.blockOn(TcpStream.connect(l.localAddress()));
            TcpStream server = own.blockOn(accepted);
            assertThat(client.isClosed() || server.isClosed()).isFalse();
            return port;
        }
    }

    @Test
    void closedStreamsAndHalvesAreNotReported() throws Exception {
        connectAndClose();
        for (int i = 0; i < 3; i++) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).isEmpty();
    }

    private void connectAndClose() throws IOException {
        try (TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            ports.add(l.localAddress().getPort());
            var accepted = rt.spawn(l.accept());
            TcpStream client = rt.blockOn(TcpStream.connect(l.localAddress()));
            TcpStream server = rt.blockOn(accepted);
            client.close();
            Split.Halves<TcpStream> halves = server.split();
            halves.writer().close(); // closes the stream: the reader half must not be reported on its own
        }
    }

    private void awaitClaimed(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (claimed.size() < n && System.nanoTime() < deadline) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).as("leak reports of this test").hasSizeGreaterThanOrEqualTo(n);
    }
}
