package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Split} over a recording stream: each half reaches only its side of the stream, closing either closes the
 * stream, and both describe themselves as the stream. (TCP and TLS run their halves from two tasks in
 * {@code TcpTest} and {@code TlsHandshakeTest}.)
 */
class SplitTest {

    /** Records every call it gets. */
    private static final class Recording implements AsyncRead, AsyncWrite, Closeable {
        final List<String> calls = new ArrayList<>();

        @Override
        public Poll<Integer> pollRead(Context cx, ByteBuffer dst) {
            calls.add("read");
            return Poll.readyCount(-1);
        }

        @Override
        public Poll<Integer> pollWrite(Context cx, ByteBuffer src) {
            calls.add("write");
            return Poll.readyCount(src.remaining());
        }

        @Override
        public Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) {
            calls.add("writeVectored");
            return Poll.readyCount(0L);
        }

        @Override
        public Poll<Void> pollFlush(Context cx) {
            calls.add("flush");
            return Poll.readyNull();
        }

        @Override
        public Poll<Void> pollShutdown(Context cx) {
            calls.add("shutdown");
            return Poll.readyNull();
        }

        @Override
        public void close() {
            calls.add("close");
        }

        @Override
        public String toString() {
            return "Recording stream";
        }
    }

    private final Context cx = new Context(() -> { });

    @Test
    void eachHalfReachesItsSideOfTheStream() throws Exception {
        Recording stream = new Recording();
        Split.Halves<Recording> halves = Split.of(stream);
        assertThat(halves.reader().pollRead(cx, ByteBuffer.allocate(1)).value()).isEqualTo(-1);
        assertThat(halves.writer().pollWrite(cx, ByteBuffer.allocate(3)).value()).isEqualTo(3);
        halves.writer().pollWriteVectored(cx, new ByteBuffer[0]);
        halves.writer().pollFlush(cx);
        halves.writer().pollShutdown(cx);
        assertThat(stream.calls).containsExactly("read", "write", "writeVectored", "flush", "shutdown");
        assertThat(halves.reader().stream()).isSameAs(stream);
        assertThat(halves.writer().stream()).isSameAs(stream);
    }

    @Test
    void closingEitherHalfClosesTheStream() throws Exception {
        Recording stream = new Recording();
        Split.Halves<Recording> halves = Split.of(stream);
        halves.reader().close();
        assertThat(stream.calls).containsExactly("close");
        halves.writer().close();
        assertThat(stream.calls).containsExactly("close", "close");
    }

    @Test
    void bothHalvesDescribeThemselvesAsTheStream() {
        Recording stream = new Recording();
        Split.Halves<Recording> halves = Split.of(stream);
        assertThat(halves.reader()).hasToString("Recording stream");
        assertThat(halves.writer()).hasToString("Recording stream");
        assertThat(List.<Object>copyOf(halves.reader().children())).containsExactly(stream);
        assertThat(List.<Object>copyOf(halves.writer().children())).containsExactly(stream);
    }

    @Test
    void aNullStreamIsRefused() {
        assertThatThrownBy(() -> Split.of((Recording) null)).isInstanceOf(NullPointerException.class);
    }
}
