package dev.spindle.tls;

import dev.spindle.Poll;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.MockStream;
import dev.spindle.testkit.MockTask;
import dev.spindle.testkit.RecordingWaker;
import dev.spindle.testkit.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.spindle.tls.MemoryTls.concat;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The poll contract of {@link TlsStream} over a scripted transport ({@link MockStream}), polled by hand: Pending
 * only with a way to be woken, wakes that reach the task, and nothing at all after close_notify.
 */
@Timeout(value = 30, unit = SECONDS)
class TlsStreamContractTest {

    /** The streams a test made, closed after it (leak detection reports a stream collected unclosed). */
    private final List<TlsStream<?>> opened = new ArrayList<>();

    @AfterEach
    void closeStreams() throws java.io.IOException {
        for (TlsStream<?> s : opened) {
            s.close();
        }
    }

    /** A client stream over {@code transport}, with the handshake already done (in memory). */
    private TlsStream<MockStream> established(MemoryTls tls, MockStream transport, boolean requireCloseNotify) {
        TlsStream<MockStream> s = new TlsStream<>(tls.client, transport, requireCloseNotify, "mock peer");
        opened.add(s);
        handshake(s).assertReady(); // nothing to do: no transport call (the mock fails on one it did not expect)
        return s;
    }

    private static MockTask<Void> handshake(TlsStream<?> s) {
        return MockTask.of(cx -> {
            try {
                return s.pollHandshake(cx);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static MemoryTls tls13() throws SSLException {
        return MemoryTls.handshake(SERVER.trustContext(), SERVER.serverContext(), "TLSv1.3");
    }

    @Test
    void pendingFromTheTransportIsPropagatedAndItsWakeReachesTheTask() throws Exception {
        MemoryTls tls = tls13();
        MockStream m = MockStream.builder().readPending().read(tls.serverWrap("hello".getBytes())).build();
        TlsStream<MockStream> s = established(tls, m, true);
        ByteBuffer dst = ByteBuffer.allocate(64);
        MockTask<Integer> read = MockTask.of(Io.read(s, dst));
        read.assertPending();
        assertThat(read.wakeCount()).as("the transport's wake, forwarded to the task").isEqualTo(1);
        assertThat(read.assertReady()).isEqualTo(5);
        assertThat(new String(dst.array(), 0, 5)).isEqualTo("hello");
        m.assertDone();
    }

    @Test
    void aRecordSplitAcrossReadsIsReassembled() throws Exception {
        MemoryTls tls = tls13();
        byte[] record = tls.serverWrap("split record".getBytes());
        MockStream m = MockStream.builder()
                .read(Arrays.copyOfRange(record, 0, 3)).readPending()
                .read(Arrays.copyOfRange(record, 3, 10)).readPending()
                .read(Arrays.copyOfRange(record, 10, record.length)).build();
        TlsStream<MockStream> s = established(tls, m, true);
        ByteBuffer dst = ByteBuffer.allocate(64);
        MockTask<Integer> read = MockTask.of(Io.read(s, dst));
        read.assertPending();
        assertThat(read.isWoken()).isTrue();
        read.assertPending();
        assertThat(read.isWoken()).isTrue();
        assertThat(read.assertReady()).isEqualTo(12);
        m.assertDone();
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void closeNotifyWhilePlaintextIsBufferedGivesTheDataThenMinusOneAndNeverReadsOrWakesAgain(TlsEngine engine,
            String protocol) throws Exception {
        MemoryTls tls = MemoryTls.handshake(Engines.context(engine, SERVER.trustContext()), SERVER.serverContext(),
                protocol);
        byte[] data = new byte[1000];
        new Random(3).nextBytes(data);
        byte[] records = tls.serverWrap(data);
        byte[] closeNotify = tls.serverCloseNotify();
        byte[] after = Arrays.copyOf(records, 300); // replayed ciphertext: nothing can be wrapped after close_notify
        byte[] garbage = new byte[500];
        new Random(4).nextBytes(garbage);
        byte[] wire = concat(records, closeNotify, after, garbage);
        // One read action and nothing after it: any second transport read fails the test (script exhausted).
        // TLS 1.2 answers close_notify with one try to write its own; the script makes the transport full then
        // (Pending, whose wake must not reach the task). TLS 1.3 writes nothing, and neither does BoringSSL,
        // which frees its state with the answer unsent (TlsEngine).
        MockStream.Builder b = MockStream.builder().read(wire);
        if (protocol.equals("TLSv1.2") && engine == TlsEngine.JDK) {
            b.writePending();
        }
        MockStream m = b.build();
        TlsStream<MockStream> s = established(tls, m, true);

        RecordingWaker waker = new RecordingWaker();
        TestContext cx = new TestContext(waker);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer small = ByteBuffer.allocate(10); // far smaller than a record: plaintext stays buffered
        for (int i = 0; i < 1000; i++) {
            small.clear();
            Poll<Integer> p = s.pollRead(cx, small);
            assertThat(p.isReady()).as("never Pending: everything needed is there").isTrue();
            if (p.value() < 0) {
                break;
            }
            got.write(small.array(), 0, p.value());
        }
        assertThat(got.toByteArray()).isEqualTo(data);
        for (int i = 0; i < 3; i++) {
            assertThat(s.pollRead(cx, ByteBuffer.allocate(10)).value()).isEqualTo(-1);
        }
        assertThat(waker.wakeCount()).as("no wake at all").isZero();
        m.assertDone();
    }

    @Test
    void eofWithoutCloseNotifyIsATruncationErrorUnlessRelaxed() throws Exception {
        MemoryTls strictTls = tls13();
        TlsStream<MockStream> strict = established(strictTls,
                MockStream.builder().read(strictTls.serverWrap("abc".getBytes())).readEof().build(), true);
        MockTask<byte[]> all = MockTask.of(TlsTestSupport.readAll(strict));
        assertThatThrownBy(all::poll).rootCause().isInstanceOf(SSLException.class).hasMessageContaining("truncated");

        MemoryTls relaxedTls = tls13();
        TlsStream<MockStream> relaxed = established(relaxedTls,
                MockStream.builder().read(relaxedTls.serverWrap("abc".getBytes())).readEof().build(), false);
        assertThat(MockTask.of(TlsTestSupport.readAll(relaxed)).assertReady()).isEqualTo("abc".getBytes());
        assertThat(MockTask.of(Io.read(relaxed, ByteBuffer.allocate(4))).assertReady()).as("EOF again").isEqualTo(-1);
    }

    @Test
    void aTruncatedRecordThenEofIsAnErrorEvenWhenRelaxed() throws Exception {
        MemoryTls tls = tls13();
        byte[] record = tls.serverWrap("cut".getBytes());
        TlsStream<MockStream> s = established(tls,
                MockStream.builder().read(Arrays.copyOf(record, record.length - 1)).readEof().build(), false);
        assertThatThrownBy(() -> MockTask.of(TlsTestSupport.readAll(s)).poll()).rootCause()
                .isInstanceOf(SSLException.class).hasMessageContaining("middle of a TLS record");
        assertThatThrownBy(() -> MockTask.of(Io.read(s, ByteBuffer.allocate(4))).poll()).as("and stays one")
                .rootCause().isInstanceOf(SSLException.class).hasMessageContaining("middle of a TLS record");
    }

    @Test
    void aSpentBudgetYieldsWithoutTouchingTheTransport() throws Exception {
        MemoryTls tls = tls13();
        MockStream m = MockStream.builder().read(tls.serverWrap("x".getBytes())).build();
        TlsStream<MockStream> s = established(tls, m, true);
        MockTask<Integer> read = MockTask.of(Io.read(s, ByteBuffer.allocate(8))).withBudget(0);
        read.assertPending();
        assertThat(read.wakeCount()).as("the budget's own wake: a yield").isEqualTo(1);
        assertThat(read.forcedYields()).isEqualTo(1);
        read.withBudget(5);
        assertThat(read.assertReady()).isEqualTo(1);
        m.assertDone();
    }

    @Test
    void writesGoOutAsRecordsThePeerCanRead() throws Exception {
        MemoryTls tls = tls13();
        // MockStream checks exact bytes, and records are not predictable; capture them instead.
        Capture capture = new Capture();
        TlsStream<Capture> s = new TlsStream<>(tls.client, capture, true, "capture");
        opened.add(s);
        handshake(s).assertReady();
        ByteBuffer[] parts = {ByteBuffer.wrap("gather".getBytes()), ByteBuffer.wrap("ed".getBytes())};
        MockTask<Long> w = MockTask.of(cx -> {
            try {
                return s.pollWriteVectored(cx, parts);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(w.assertReady()).isEqualTo(8);
        MockTask.of(Io.shutdown(s)).assertReady();
        assertThat(capture.shutdown).isTrue();
        // The peer reads "gathered", then close_notify.
        ByteBuffer in = ByteBuffer.wrap(capture.bytes.toByteArray());
        ByteBuffer app = ByteBuffer.allocate(tls.server.getSession().getApplicationBufferSize());
        while (in.hasRemaining() && !tls.server.isInboundDone()) {
            tls.server.unwrap(in, app);
        }
        assertThat(new String(app.array(), 0, app.position())).isEqualTo("gathered");
        assertThat(tls.server.isInboundDone()).isTrue();
    }

    /** A transport that takes every write and records it. */
    static final class Capture implements dev.spindle.io.AsyncRead, dev.spindle.io.AsyncWrite {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean shutdown;

        @Override
        public Poll<Integer> pollRead(dev.spindle.Context cx, ByteBuffer dst) {
            throw new AssertionError("no read expected");
        }

        @Override
        public Poll<Integer> pollWrite(dev.spindle.Context cx, ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            bytes.writeBytes(b);
            return Poll.ready(n);
        }

        @Override
        public Poll<Void> pollFlush(dev.spindle.Context cx) {
            return Poll.readyNull();
        }

        @Override
        public Poll<Void> pollShutdown(dev.spindle.Context cx) {
            shutdown = true;
            return Poll.readyNull();
        }
    }
}
