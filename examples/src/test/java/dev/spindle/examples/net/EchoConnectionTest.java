package dev.spindle.examples.net;

import dev.spindle.io.testkit.MockStream;
import dev.spindle.perf.servers.kit.CountingStream;
import dev.spindle.testkit.MockTask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The echo state machine polled by hand over a scripted stream: wakes, buffers held and returned, the end. */
@Timeout(value = 10, unit = SECONDS)
class EchoConnectionTest {
    private int cachedBefore;

    @BeforeEach
    void warmTheCache() {
        // Two cached buffers on this thread, so that "holds one" and "gave it back" are both visible.
        ByteBuffer a = EchoServer.BUFFERS.take();
        ByteBuffer b = EchoServer.BUFFERS.take();
        EchoServer.BUFFERS.give(a);
        EchoServer.BUFFERS.give(b);
        cachedBefore = EchoServer.BUFFERS.cachedOnThisThread();
        assertThat(cachedBefore).isGreaterThanOrEqualTo(2);
    }

    private static MockTask<Void> task(CountingStream s) {
        return MockTask.of(new EchoConnection<>(s, s));
    }

    @Test
    void echoesAcrossPendingReadsAndWritesThenHalfClosesAndCloses() {
        CountingStream s = new CountingStream(MockStream.builder()
                .read("hello").readPending().read("world").readEof()
                .write("hel").writePending().write("lo").write("world").build());
        MockTask<Void> t = task(s);
        t.assertPending(); // the write would block
        assertThat(t.isWoken()).as("Pending only with the waker registered").isTrue();
        t.assertPending(); // the read would block
        assertThat(t.isWoken()).isTrue();
        t.assertReady();
        s.mock.assertDone();
        assertThat(s.mock.isShutdown()).as("half-closed after the last byte").isTrue();
        assertThat(s.closes).isEqualTo(1);
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void anIdleConnectionHoldsNoBufferAndABlockedOneHoldsOne() {
        CountingStream s = new CountingStream(MockStream.builder()
                .read("abc").readPending().read("def").readEof()
                .write("abc").writePending().write("def").build());
        MockTask<Void> t = task(s);
        t.assertPending(); // echoed "abc", then the read would block: idle
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).as("idle: buffer given back").isEqualTo(cachedBefore);
        t.assertPending(); // read "def", its write would block
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).as("bytes in flight: one held").isEqualTo(cachedBefore - 1);
        t.assertReady();
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void aResetEndsTheConnectionQuietlyAndReleasesEverything() {
        CountingStream s = new CountingStream(MockStream.builder()
                .read("abc").readError(new IOException("Connection reset by peer"))
                .write("abc").build());
        MockTask<Void> t = task(s);
        t.assertReady();
        assertThat(s.closes).isEqualTo(1);
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void cancellingABlockedConnectionReleasesItsBufferAndClosesIt() {
        CountingStream s = new CountingStream(MockStream.builder().read("abc").write("a").writePending().build());
        MockTask<Void> t = task(s);
        t.assertPending();
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore - 1);
        t.cancel();
        assertThat(s.closes).isEqualTo(1);
        assertThat(EchoServer.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }
}
