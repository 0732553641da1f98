package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * An {@link AsyncRead} with a buffer in front (Tokio's {@code BufReader}; named so as not to clash with
 * {@code java.io.BufferedReader}), for parsers that look at bytes before consuming them
 * ({@link #pollFill} then {@link #consume}), or that read in small pieces without a system call each.
 * The buffer is allocated once (direct, so socket reads need no extra copy) and reused.
 * Reads larger than the buffer bypass it when it is empty.
 *
 * <p>Diagnostics: bytes handed over from the buffer are progress ({@code Context.markProgress}), as the inner
 * stream's reads are; a fill that finds bytes already buffered, and every end of stream after the inner stream's
 * first, are not (a caller that keeps filling without consuming gets nothing new).
 */
public final class BufReader implements AsyncRead, Described {
    private final AsyncRead inner;
    private final ByteBuffer buf; // readable region: [position, limit)
    private boolean eof;
    private ByteBuffer view; // read-only twin of buf handed out by pollFill, created on first use
    private Poll<ByteBuffer> readyView;

    public BufReader(AsyncRead inner, int capacity) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.buf = ByteBuffer.allocateDirect(capacity).flip();
    }

    public BufReader(AsyncRead inner) {
        this(inner, 8 * 1024);
    }

    /**
     * Makes buffered bytes available: {@code Ready(view)} with a read-only view of them (empty at EOF), reading
     * from the inner stream only if nothing is buffered. The view (and the {@code Ready} holding it) is one
     * object per reader, reset on every call, so a fill allocates nothing: it is valid until the next call on
     * this reader; mark what was used with {@link #consume(int)}.
     */
    public Poll<ByteBuffer> pollFill(Context cx) throws IOException {
        if (!buf.hasRemaining() && !eof) {
            buf.clear();
            Poll<Integer> p = inner.pollRead(cx, buf);
            buf.flip();
            if (p.isPending()) {
                return Poll.pending();
            }
            if (p.value() < 0) {
                eof = true;
            }
        }
        if (readyView == null) {
            view = buf.asReadOnlyBuffer();
            readyView = Poll.ready(view);
        }
        view.limit(buf.limit()).position(buf.position());
        return readyView;
    }

    /** Marks {@code n} buffered bytes as read. */
    public void consume(int n) {
        if (n < 0 || n > buf.remaining()) {
            throw new IllegalArgumentException("consume(" + n + ") with " + buf.remaining() + " bytes buffered");
        }
        buf.position(buf.position() + n);
    }

    /** Bytes buffered now. */
    public int buffered() {
        return buf.remaining();
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return Poll.readyCount(0);
        }
        if (!buf.hasRemaining() && dst.remaining() >= buf.capacity()) {
            return eof ? Poll.readyCount(-1) : inner.pollRead(cx, dst); // large read: skip the copy
        }
        Poll<ByteBuffer> f = pollFill(cx);
        if (f.isPending()) {
            return Poll.pending();
        }
        if (!buf.hasRemaining()) {
            return Poll.readyCount(-1);
        }
        int n = Math.min(dst.remaining(), buf.remaining());
        dst.put(dst.position(), buf, buf.position(), n); // absolute bulk copy: no slice object per read
        dst.position(dst.position() + n);
        consume(n);
        cx.markProgress(); // bytes moved to the caller, whether this poll read them or an earlier one did
        return Poll.readyCount(n);
    }

    @Override
    public List<?> children() {
        return List.of(inner);
    }
}
