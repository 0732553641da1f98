package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A sink of bytes written without blocking.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@code pollWrite} writes from {@code src} and returns {@code Ready(n)} with {@code n > 0} bytes taken
 *       (or {@code 0} if {@code src} was empty); {@code pollWriteVectored} does the same from several buffers
 *       in order (gathering).</li>
 *   <li>{@code Pending} only after registering {@code cx.waker()} for when there is room again. A stalled
 *       peer leaves the writer Pending, never spinning.</li>
 *   <li>{@code pollFlush} completes when everything written has been handed to the transport;
 *       {@code pollShutdown} flushes, then half-closes the write side (the peer reads EOF).</li>
 *   <li>Errors are thrown as {@link IOException}s.</li>
 * </ul>
 */
public interface AsyncWrite {

    /** See the class contract. */
    Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException;

    /** Gathering write; the default writes from the first buffer with bytes remaining. */
    default Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) throws IOException {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                Poll<Integer> p = pollWrite(cx, b);
                return p.isPending() ? Poll.pending() : Poll.readyCount((long) p.value());
            }
        }
        return Poll.readyCount(0L);
    }

    /** Completes once written bytes are handed to the transport. */
    Poll<Void> pollFlush(Context cx) throws IOException;

    /** Flushes, then half-closes the write side. */
    Poll<Void> pollShutdown(Context cx) throws IOException;
}
