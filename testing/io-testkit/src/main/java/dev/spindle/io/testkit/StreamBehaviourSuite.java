package dev.spindle.io.testkit;

import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.TaskFailedException;
import dev.spindle.WorkerMetrics;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Io;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every Spindle stream promises its user, run over every flavour (TCP, TLS over TCP with each engine, the
 * in-memory {@link MemoryStream}): echo, half-close, close waking a waiting task, EOF that sticks, halves read and
 * written from two tasks at once, and a stream that is always ready still yielding to other tasks. A subclass
 * says how to connect a pair of its streams on the runtime {@link #rt} and how to split one into halves; a
 * behaviour only one flavour has belongs in that flavour's own tests.
 *
 * @param <S> the stream type of the flavour
 */
@Timeout(value = 60, unit = SECONDS)
@SuppressWarnings("try") // javac: a bound's close() "could throw InterruptedException"; no stream's close does
public abstract class StreamBehaviourSuite<S extends AsyncRead & AsyncWrite & AutoCloseable> {
    /** Two connected streams: what one writes, the other reads. */
    public record Pair<S>(S near, S far) {
    }

    /** The two halves of one stream, to be used from two tasks at once. */
    public record Halves(AsyncRead reader, AsyncWrite writer) {
    }

    /** Bytes the budget test has buffered for its reader: more than a TLS stream takes in two transport reads. */
    private static final int ALWAYS_READY_BYTES = 96 * 1024;

    /**
     * The runtime the streams live on, built by {@link #newBuilder()}: two workers, and a budget of two I/O
     * operations per poll, so that every test also runs with its polls cut short often and the budget test needs
     * little data to reach the limit.
     */
    protected SpindleRuntime rt;
    private Pair<S> pair;

    /** A builder for a runtime these streams can run on: by default one with the I/O driver. */
    protected SpindleRuntime.Builder newBuilder() {
        return SpindleRuntime.builder();
    }

    /** Connects a pair of this flavour's streams on {@link #rt}; the suite closes both after the test. */
    protected abstract Pair<S> connect() throws Exception;

    /** Splits {@code stream} into a reader and a writer that two tasks may use at once. */
    protected abstract Halves halves(S stream);

    /**
     * Whether a stream can still write once its peer shut down; if not, such a write must fail (TLS with an engine
     * that closes both directions on close_notify, as BoringSSL does).
     */
    protected boolean writesAfterPeerShutdown() {
        return true;
    }

    @BeforeEach
    void startAndConnect() throws Exception {
        rt = newBuilder().workers(2).budget(2).threadNamePrefix("stream-suite-" + getClass().getSimpleName() + "-").build();
        pair = connect();
    }

    @AfterEach
    void closeAll() throws Exception {
        try {
            if (pair != null) {
                pair.near().close();
                pair.far().close();
            }
        } finally {
            rt.close();
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Echoes {@code s} until EOF, then shuts it down; completes with the bytes echoed. */
    private static Future<Long> echo(AsyncRead r, AsyncWrite w) {
        return Io.copy(r, w).flatMap(n -> Io.shutdown(w).map(v -> n));
    }

    @Test
    void whatOneEndWritesTheOtherEchoesBackAndBothSidesHalfClose() throws Exception {
        S near = pair.near();
        S far = pair.far();
        JoinHandle<Long> echoed = rt.spawn(echo(far, far));
        byte[] data = randomBytes(32 * 1024);
        byte[] back = rt.blockOn(Io.writeAll(near, ByteBuffer.wrap(data))
                .flatMap(v -> Io.shutdown(near)) // our EOF: the echo ends and shuts down in turn
                .flatMap(v -> Io.readToEnd(near, 1024 * 1024)));
        assertThat(back).isEqualTo(data);
        assertThat(echoed.join(Duration.ofSeconds(10))).isEqualTo(data.length);
    }

    @Test
    void afterAShutdownThePeerReadsEofAndCanStillWriteBack() {
        S near = pair.near();
        S far = pair.far();
        rt.blockOn(Io.shutdown(near));
        assertThat(rt.blockOn(Io.readToEnd(far, 1024))).isEmpty();
        byte[] reply = "after the peer's EOF".getBytes();
        if (!writesAfterPeerShutdown()) {
            assertThatThrownBy(() -> rt.blockOn(Io.writeAll(far, ByteBuffer.wrap(reply))))
                    .isInstanceOf(TaskFailedException.class).cause().isInstanceOf(UncheckedIOException.class);
            return;
        }
        rt.blockOn(Io.writeAll(far, ByteBuffer.wrap(reply)).flatMap(v -> Io.shutdown(far)));
        assertThat(rt.blockOn(Io.readToEnd(near, 1024))).isEqualTo(reply);
    }

    @Test
    void closingAStreamWakesItsWaitingReaderWithAnError() throws Exception {
        S near = pair.near();
        JoinHandle<Integer> reader = rt.spawn(Io.read(near, ByteBuffer.allocate(16))); // nothing comes
        Thread.sleep(100);
        assertThat(reader.isDone()).isFalse();
        near.close();
        near.close(); // idempotent
        assertThatThrownBy(() -> reader.join(Duration.ofSeconds(10))).isInstanceOf(TaskFailedException.class)
                .cause().isInstanceOf(UncheckedIOException.class).hasMessageContaining("closed");
    }

    @Test
    void eofSticksEveryReadAfterTheFirstEofIsEofAgain() {
        rt.blockOn(Io.shutdown(pair.far()));
        for (int i = 0; i < 3; i++) {
            assertThat(rt.blockOn(Io.read(pair.near(), ByteBuffer.allocate(16)))).as("read %d", i).isEqualTo(-1);
        }
    }

    @Test
    void splitHalvesReadAndWriteFromTwoTasksAtOnce() throws Exception {
        JoinHandle<Long> echoed = rt.spawn(echo(pair.far(), pair.far()));
        Halves h = halves(pair.near());
        byte[] data = randomBytes(4 * 1024 * 1024);
        JoinHandle<Void> w = rt.spawn(Io.writeAll(h.writer(), ByteBuffer.wrap(data)).flatMap(v -> Io.shutdown(h.writer())));
        JoinHandle<byte[]> r = rt.spawn(Io.readToEnd(h.reader(), 8 * 1024 * 1024));
        assertThat(r.join(Duration.ofSeconds(30))).isEqualTo(data);
        w.join(Duration.ofSeconds(10));
        assertThat(echoed.join(Duration.ofSeconds(10))).isEqualTo(data.length);
    }

    /**
     * A reader whose stream always has data (96 KiB buffered, read a byte at a time) spends the cooperative budget
     * (a unit per read, or per transport read for TLS), so its task is made to yield, and other tasks get the
     * worker, long before it reaches the end.
     */
    @Test
    void aStreamThatIsAlwaysReadyStillYieldsToOtherTasks() throws Exception {
        int size = ALWAYS_READY_BYTES;
        rt.blockOn(Io.writeAll(pair.far(), ByteBuffer.wrap(randomBytes(size))).flatMap(v -> Io.shutdown(pair.far())));
        long yieldsBefore = forcedYields();
        S near = pair.near();
        ByteBuffer one = ByteBuffer.allocate(1);
        long[] read = {0};
        Future<Long> byteByByte = Futures.pollFn(cx -> {
            try {
                for (;;) {
                    Poll<Integer> p = near.pollRead(cx, one.clear());
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        return Poll.ready(read[0]);
                    }
                    read[0] += p.value();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(rt.spawn(byteByByte).join(Duration.ofSeconds(30))).isEqualTo(size);
        assertThat(forcedYields() - yieldsBefore).as("polls cut short by the budget").isPositive();
    }

    private long forcedYields() {
        return rt.metrics().perWorker().stream().mapToLong(WorkerMetrics::forcedYields).sum();
    }
}
