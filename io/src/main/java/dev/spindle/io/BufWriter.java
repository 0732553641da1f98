package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * An {@link AsyncWrite} that gathers small writes into one buffer (allocated once, direct) and hands them to
 * the inner stream when the buffer is full, on {@link #pollFlush} and on {@link #pollShutdown}. Writes at least
 * as large as the buffer go straight through once it is empty. Nothing buffered is lost: shutdown flushes first.
 */
public final class BufWriter implements AsyncWrite, Described {
    private final AsyncWrite inner;
    private final ByteBuffer buf; // pending region: [0, position) while filling

    public BufWriter(AsyncWrite inner, int capacity) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.buf = ByteBuffer.allocateDirect(capacity);
    }

    public BufWriter(AsyncWrite inner) {
        this(inner, 8 * 1024);
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return Poll.readyCount(0);
        }
        if (!buf.hasRemaining() || (buf.position() > 0 && src.remaining() > buf.remaining())) {
            if (drain(cx).isPending()) {
                return Poll.pending();
            }
        }
        if (buf.position() == 0 && src.remaining() >= buf.capacity()) {
            return inner.pollWrite(cx, src); // large write: skip the copy
        }
        int n = Math.min(src.remaining(), buf.remaining());
        ByteBuffer slice = src.slice(src.position(), n);
        buf.put(slice);
        src.position(src.position() + n);
        cx.markProgress(); // bytes taken from the caller into the buffer: progress, though no system call ran
        return Poll.readyCount(n);
    }

    /** Writes out everything buffered. */
    private Poll<Void> drain(Context cx) throws IOException {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                if (inner.pollWrite(cx, buf).isPending()) {
                    return Poll.pending();
                }
            }
            return Poll.readyNull();
        } finally {
            buf.compact();
        }
    }

    @Override
    public Poll<Void> pollFlush(Context cx) throws IOException {
        if (drain(cx).isPending()) {
            return Poll.pending();
        }
        return inner.pollFlush(cx);
    }

    @Override
    public Poll<Void> pollShutdown(Context cx) throws IOException {
        if (pollFlush(cx).isPending()) {
            return Poll.pending();
        }
        return inner.pollShutdown(cx);
    }

    /** Bytes buffered and not yet written. */
    public int buffered() {
        return buf.position();
    }

    @Override
    public List<?> children() {
        return List.of(inner);
    }
}
