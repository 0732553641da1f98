package dev.spindle.io;

import dev.spindle.Poll;
import dev.spindle.io.testkit.MockStream;
import dev.spindle.testkit.MockTask;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Io futures against scripted streams: every path of the AsyncRead/AsyncWrite contract. */
class IoFuturesTest {

    /** Polls until Ready; every Pending must have been preceded by a wake (no lost wake-up). */
    static <T> T drive(MockTask<T> t) {
        for (int i = 0; i < 10_000; i++) {
            Poll<T> p = t.poll();
            if (p.isReady()) {
                return p.value();
            }
            assertThat(t.isWoken()).as("Pending without a wake: a lost wake-up").isTrue();
        }
        throw new AssertionError("not ready after 10,000 polls: a busy loop");
    }

    @Test
    void readExactGathersAcrossPartialReadsAndPendings() {
        MockStream m = MockStream.builder().read("he").readPending().read("llo").build();
        ByteBuffer buf = ByteBuffer.allocate(5);
        drive(MockTask.of(Io.readExact(m, buf)));
        assertThat(new String(buf.array(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(m.wakeCount()).isEqualTo(1);
        m.assertDone();
    }

    @Test
    void readExactFailsWithEofWhenTheStreamEndsEarly() {
        MockStream m = MockStream.builder().read("he").readEof().build();
        MockTask<Void> t = MockTask.of(Io.readExact(m, ByteBuffer.allocate(5)));
        assertThatThrownBy(t::poll).isInstanceOf(UncheckedIOException.class).cause().isInstanceOf(EOFException.class)
                .hasMessageContaining("3 of the expected bytes missing");
    }

    @Test
    void writeAllHandlesPartialWritesAndPendings() {
        MockStream m = MockStream.builder().writeLimit(3).write("hel").writePending().write("lo world").build();
        drive(MockTask.of(Io.writeAll(m, ByteBuffer.wrap("hello world".getBytes(StandardCharsets.UTF_8)))));
        m.assertDone();
    }

    @Test
    void aWrongWriteIsReportedWithBothSides() {
        MockStream m = MockStream.builder().write("abc").build();
        MockTask<Void> t = MockTask.of(Io.writeAll(m, ByteBuffer.wrap("abd".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(t::poll).isInstanceOf(AssertionError.class).hasMessageContaining("\"abd\"")
                .hasMessageContaining("\"abc\"");
    }

    @Test
    void copyMovesEverythingUntilEofThroughPendingsOnBothSidesAndFlushes() {
        MockStream in = MockStream.builder().read("ab").readPending().read("cdef").readEof().build();
        MockStream out = MockStream.builder().writeLimit(2).write("ab").writePending().write("cdef").build();
        long n = drive(MockTask.of(Io.copy(in, out)));
        assertThat(n).isEqualTo(6);
        assertThat(out.flushCount()).isEqualTo(1);
        assertThat(out.isShutdown()).as("copy does not half-close").isFalse();
        in.assertDone();
        out.assertDone();
    }

    @Test
    void errorsOnEitherSideFailTheCopyWithTheOriginalCause() {
        IOException reset = new IOException("connection reset by peer");
        MockStream in = MockStream.builder().read("ab").readError(reset).build();
        MockStream out = MockStream.builder().write("ab").build();
        MockTask<Long> t = MockTask.of(Io.copy(in, out));
        assertThatThrownBy(t::poll).isInstanceOf(UncheckedIOException.class).hasCause(reset);

        IOException broken = new IOException("broken pipe");
        MockStream in2 = MockStream.builder().read("ab").readEof().build();
        MockStream out2 = MockStream.builder().writeError(broken).build();
        assertThatThrownBy(MockTask.of(Io.copy(in2, out2))::poll).isInstanceOf(UncheckedIOException.class).hasCause(broken);
    }

    @Test
    void copyBidirectionalHalfClosesEachSideAfterItsEof() {
        MockStream a = MockStream.builder().read("ping").readEof().write("pong").build();
        MockStream b = MockStream.builder().write("ping").readPending().read("pong").readEof().build();
        Io.Copied c = drive(MockTask.of(Io.copyBidirectional(a, b)));
        assertThat(c).isEqualTo(new Io.Copied(4, 4));
        assertThat(a.isShutdown()).isTrue();
        assertThat(b.isShutdown()).isTrue();
        a.assertDone();
        b.assertDone();
    }

    @Test
    void aReadIntoAFullBufferReturnsZeroAndEofRepeats() throws Exception {
        MockStream m = MockStream.builder().read("x").readEof().build();
        var cx = new dev.spindle.testkit.TestContext(dev.spindle.Waker.noop());
        assertThat(m.pollRead(cx, ByteBuffer.allocate(0)).value()).isZero();
        assertThat(m.pollRead(cx, ByteBuffer.allocate(4)).value()).isEqualTo(1);
        assertThat(m.pollRead(cx, ByteBuffer.allocate(4)).value()).isEqualTo(-1);
        assertThat(m.pollRead(cx, ByteBuffer.allocate(4)).value()).isEqualTo(-1);
    }

    @Test
    void aFinishedIoFutureMustNotBePolledAgain() {
        MockStream m = MockStream.builder().read("x").build();
        var f = Io.read(m, ByteBuffer.allocate(1));
        var cx = new dev.spindle.testkit.TestContext(dev.spindle.Waker.noop());
        assertThat(f.poll(cx).value()).isEqualTo(1);
        assertThatThrownBy(() -> f.poll(cx)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("polled after it completed");
    }

    @Test
    void readToEndCollectsEverythingAndEnforcesItsLimit() {
        MockStream m = MockStream.builder().read("abc").readPending().read("defgh").readEof().build();
        assertThat(drive(MockTask.of(Io.readToEnd(m, 1024)))).isEqualTo("abcdefgh".getBytes(StandardCharsets.UTF_8));
        MockStream big = MockStream.builder().read("0123456789").readEof().build();
        MockTask<byte[]> t = MockTask.of(Io.readToEnd(big, 4));
        assertThatThrownBy(t::poll).isInstanceOf(UncheckedIOException.class).hasMessageContaining("limit of 4");
    }

    @Test
    void aBufReaderServesSmallReadsFromOneFillAndPeeks() throws Exception {
        MockStream m = MockStream.builder().read("hello world").readEof().build();
        BufReader r = new BufReader(m, 64);
        var cx = new dev.spindle.testkit.TestContext(dev.spindle.Waker.noop());
        ByteBuffer peek = r.pollFill(cx).value();
        assertThat(peek.remaining()).isEqualTo(11);
        r.consume(6);
        ByteBuffer dst = ByteBuffer.allocate(3);
        assertThat(r.pollRead(cx, dst).value()).isEqualTo(3);
        assertThat(new String(dst.array(), StandardCharsets.UTF_8)).isEqualTo("wor");
        assertThat(r.buffered()).isEqualTo(2);
        assertThat(drive(MockTask.of(Io.readToEnd(r, 100)))).isEqualTo("ld".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> r.consume(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBufWriterGathersSmallWritesAndFlushesBeforeShutdown() {
        MockStream m = MockStream.builder().write("abcdef").writePending().write("gh").build();
        BufWriter w = new BufWriter(m, 6);
        drive(MockTask.of(Io.writeAll(w, ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)))));
        drive(MockTask.of(Io.writeAll(w, ByteBuffer.wrap("def".getBytes(StandardCharsets.UTF_8)))));
        assertThat(w.buffered()).as("nothing written yet: the buffer is exactly full").isEqualTo(6);
        drive(MockTask.of(Io.writeAll(w, ByteBuffer.wrap("gh".getBytes(StandardCharsets.UTF_8)))));
        drive(MockTask.of(Io.shutdown(w)));
        assertThat(m.isShutdown()).isTrue();
        assertThat(w.buffered()).isZero();
        m.assertDone();
    }
}
