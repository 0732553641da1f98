package dev.spindle.perf.net.tls;

import dev.spindle.perf.net.Connector;
import dev.spindle.perf.net.MeasuredLoad;
import dev.spindle.perf.net.Measurement;
import dev.spindle.perf.net.Opening;
import dev.spindle.perf.net.Probe;
import dev.spindle.perf.net.WindowRecorder;
import dev.spindle.perf.servers.Cli;
import dev.spindle.perf.servers.tls.PinnedTrustManager;

import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Full TLS handshakes per second: {@code --concurrency} connections at a time, each in a loop of connect, full
 * handshake, one byte sent and read back, close; a new connection as soon as one closes.
 *
 * <pre>
 * HandshakeLoad --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2] [--concurrency 16]
 *               [--duration 10] [--warmup 3]
 * </pre>
 *
 * <ul>
 *   <li><b>Full handshakes only.</b> Every connection has a new {@link javax.net.ssl.SSLEngine} made without a
 *       peer host and port, which leaves the JDK no key to find a cached session by, so it never offers
 *       resumption (no TLS 1.3 pre-shared key, no TLS 1.2 session id or ticket). This is checked, not assumed:
 *       the {@link PinnedTrustManager} counts the server certificates it is asked about, which a resumed
 *       handshake does not send; {@code full_pct} in the result is that count over the handshakes completed,
 *       and anything below 100 is an error.</li>
 *   <li><b>The server's side is complete.</b> In TLS 1.3 the client finishes first (it sends its Finished and
 *       may send data at once), so a client that closed right after its handshake could count handshakes the
 *       server never completed. Here a connection counts only once the server has echoed the byte sent after
 *       the handshake, which it can decrypt only after it has processed the client's Finished.</li>
 *   <li><b>Closing.</b> The client closes with a reset (SO_LINGER 0) and no close_notify: tens of thousands of
 *       connections a run would otherwise leave as many TIME_WAIT entries and exhaust the loopback port range.
 *       Every server sees the same reset, after its echo.</li>
 *   <li><b>Cheap client.</b> One thread and one selector drive every connection; the {@code --concurrency}
 *       slots each reuse one set of buffers ({@link TlsConn.Buffers}) for all their connections, and the pinned
 *       trust manager spares the client PKIX path building.
 *       The client still does the client's share of the cryptography (key share, signature verification), which
 *       on the two-core machine competes with the server: {@code client_cpu_pct} says how much.</li>
 * </ul>
 *
 * <p>{@code perf/net/run-tls.sh} uses {@code perf/net/tls-handshakes.py} by default: the same protocol and output
 * with OpenSSL as the client, which costs about a third of this client's CPU per handshake on the benchmark
 * machine (the JDK's ECDSA P-256 verification alone takes ~1.1 ms there); this one serves where python3 is
 * missing ({@code --handshake-client java}).
 *
 * <p>The latency is from the connect call to the echoed byte: TCP connect, handshake and one round trip. The
 * measured window and its {@code WINDOW start} / {@code WINDOW end} lines are {@link Measurement}'s; the last
 * line is
 * <pre>
 * RESULT concurrency=16 protocol=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 duration_s=10.000 handshakes=...
 *        rps=... p50_us=... p90_us=... p99_us=... p999_us=... max_us=... errors=0 full_pct=100.0
 *        client_cpu_pct=...
 * </pre>
 * ({@code rps} is handshakes per second, named as in the echo results so the script parses both alike).
 */
public final class HandshakeLoad implements MeasuredLoad {
    private final InetSocketAddress address;
    private final Supplier<SSLEngine> engines;
    private final int concurrency;
    private final Selector selector;
    private final WindowRecorder recorder = new WindowRecorder();
    /** Bound once: a method reference made inside the loop would allocate on every select. */
    private final Consumer<SelectionKey> onReady = this::onReady;
    private Thread thread;
    /** Handshakes completed in all, warm-up included: compared with the trust manager's checks. */
    private long completed;
    private String negotiatedProtocol = "-";
    private String negotiatedCipher = "-";

    private HandshakeLoad(InetSocketAddress address, Supplier<SSLEngine> engines, int concurrency)
            throws IOException {
        this.address = address;
        this.engines = engines;
        this.concurrency = concurrency;
        this.selector = Selector.open();
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args, """
                usage: HandshakeLoad --port P --cert-dir DIR [--host 127.0.0.1] [--protocol TLSv1.3|TLSv1.2]
                                     [--concurrency 16] [--duration 10] [--warmup 3]
                  durations in seconds; one client thread""",
                TlsClientOptions.names("concurrency", "duration", "warmup"));
        TlsClientOptions tls = TlsClientOptions.from(cli);
        int concurrency = cli.integer("concurrency", 16, 1);
        long durationNanos = cli.seconds("duration", 10);
        long warmupNanos = cli.seconds("warmup", 3);
        if (durationNanos == 0) {
            cli.fail("--duration must be more than 0");
        }

        PinnedTrustManager trust = tls.trust();
        HandshakeLoad load = new HandshakeLoad(tls.address(), tls::newEngine, concurrency);
        Measurement m = Measurement.run(load, warmupNanos, durationNanos);

        // Checks made by connections still in flight at the end are not in `completed`: at most one per slot.
        double fullPct = load.completed == 0 ? 0
                : 100.0 * Math.min(trust.serverChecks(), load.completed) / load.completed;
        if (fullPct < 100) {
            System.err.println("resumed handshakes: only " + trust.serverChecks() + " server certificates checked for "
                    + load.completed + " handshakes");
        }
        System.out.println(m.resultLine("concurrency=" + concurrency + " protocol=" + load.negotiatedProtocol
                        + " cipher=" + load.negotiatedCipher, "handshakes",
                load.errors() + (fullPct < 100 ? 1 : 0), String.format(Locale.ROOT, "full_pct=%.1f", fullPct)));
    }

    @Override
    public void start(long windowStart, long windowEnd) {
        recorder.window(windowStart, windowEnd);
        thread = Thread.ofPlatform().name("handshake-load").start(this::run);
    }

    @Override
    public void finish() throws InterruptedException {
        thread.join();
        reportFirstError();
    }

    @Override
    public List<WindowRecorder> recorders() {
        return List.of(recorder);
    }

    private void run() {
        try {
            Slot[] slots = new Slot[concurrency];
            for (int i = 0; i < concurrency; i++) {
                slots[i] = new Slot(new TlsConn.Buffers(engines.get()));
                begin(slots[i]);
            }
            long now;
            long windowEnd = recorder.windowEnd();
            while ((now = System.nanoTime()) < windowEnd) {
                selector.select(onReady, Math.max(1, Math.min(50, (windowEnd - now) / 1_000_000)));
            }
            for (Slot s : slots) {
                if (s.opening != null) {
                    s.opening.connection().close();
                }
            }
            selector.close();
        } catch (IOException | RuntimeException e) {
            recorder.error(e.toString());
        }
    }

    /** Starts a new connection in {@code slot}. */
    private void begin(Slot slot) throws IOException {
        SocketChannel ch = Connector.socket(true);
        try {
            slot.startedAt = System.nanoTime();
            slot.opening = new Opening(new TlsConn(ch, engines.get(), slot.buffers), Probe.ECHO);
            slot.key = ch.register(selector, 0, slot);
            waitOrFinish(slot, slot.opening.start(address));
        } catch (IOException | RuntimeException e) {
            ch.close();
            slot.opening = null;
            throw e;
        }
    }

    private void onReady(SelectionKey key) {
        Slot slot = (Slot) key.attachment();
        try {
            waitOrFinish(slot, slot.opening.step());
        } catch (IOException | RuntimeException e) {
            recorder.error(e.toString());
            restart(slot);
        }
    }

    /** Waits for what the slot's connection waits for; once it has its echo, records it and starts the next. */
    private void waitOrFinish(Slot slot, int interest) {
        if (interest != 0) {
            slot.key.interestOps(interest);
            return;
        }
        completed++;
        recorder.completed(slot.startedAt, System.nanoTime());
        if (completed == 1) {
            TlsConn conn = (TlsConn) slot.opening.connection();
            negotiatedProtocol = conn.engine.getSession().getProtocol();
            negotiatedCipher = conn.engine.getSession().getCipherSuite();
        }
        restart(slot);
    }

    /** Closes the slot's connection (a reset) and, inside the run, starts the next one. */
    private void restart(Slot slot) {
        if (slot.opening != null) {
            slot.key.cancel();
            slot.opening.connection().close();
            slot.opening = null;
        }
        if (System.nanoTime() >= recorder.windowEnd()) {
            return;
        }
        try {
            begin(slot);
        } catch (IOException | RuntimeException e) {
            // Could not even open a socket (descriptors, ports): count it and let the loop go on without this
            // slot rather than spin on the same failure.
            recorder.error("cannot open a connection: " + e);
        }
    }

    /** One of the concurrent connections: the one it is opening now, and the buffers all of them reuse. */
    private static final class Slot {
        final TlsConn.Buffers buffers;
        Opening opening;
        SelectionKey key;
        long startedAt;

        Slot(TlsConn.Buffers buffers) {
            this.buffers = buffers;
        }
    }
}
