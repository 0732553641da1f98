package dev.spindle.tls;

import dev.spindle.diagnostics.LeakDetection;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakReport;
import dev.spindle.io.testkit.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leak detection of {@link TlsStream}: one collected without close is reported with its peer, a closed one (also
 * through a split half) is not. Over a transport that does nothing, so that only the TLS stream is tracked; its
 * reports are claimed here (by peer name), so the strict extension does not count them.
 */
class TlsLeakTest {
    private final LeakDetection startLevel = LeakDetector.level();
    private final String peer = "leak-test peer " + UUID.randomUUID();
    private final List<LeakReport> claimed = new CopyOnWriteArrayList<>();
    private final Predicate<LeakReport> listener = r -> {
        boolean ours = r.what().contains(peer);
        if (ours) {
            claimed.add(r);
        }
        return ours;
    };

    @BeforeEach
    void listen() {
        LeakDetector.setLevel(LeakDetection.PARANOID);
        LeakDetector.addListener(listener);
    }

    @AfterEach
    void restore() {
        LeakDetector.removeListener(listener);
        LeakDetector.setLevel(startLevel);
    }

    private TlsStream<Sink> stream(String suffix) throws Exception {
        return new TlsStream<>(SSLContext.getDefault().createSSLEngine(), new Sink(), true, peer + suffix);
    }

    @Test
    void anUnclosedTlsStreamIsReportedWithItsPeer() throws Exception {
        stream(" (leaked)"); // dropped at once
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (claimed.isEmpty() && System.nanoTime() < deadline) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).singleElement().satisfies(r -> {
            assertThat(r.what()).isEqualTo("TlsStream with " + peer + " (leaked)");
            assertThat(r.message()).contains("TlsLeakTest.stream");
        });
    }

    @Test
    void aClosedTlsStreamIsNotReportedNorOneClosedThroughAHalf() throws Exception {
        stream(" (closed)").close();
        stream(" (half closed)").split().reader().close();
        for (int i = 0; i < 3; i++) {
            LeakDetector.collect(Duration.ofMillis(200));
        }
        assertThat(claimed).isEmpty();
    }
}
