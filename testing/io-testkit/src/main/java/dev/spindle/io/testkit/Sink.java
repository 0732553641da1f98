package dev.spindle.io.testkit;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;

import java.nio.ByteBuffer;

/**
 * A stream that takes every write at once and never has anything to read: a transport for code under test that
 * only needs somewhere to write (a drain, an idle TLS transport). Reads stay {@code Pending} for good and keep no
 * waker, since nothing will ever arrive to wake it. Not thread-safe: use from one task.
 */
public final class Sink implements AsyncRead, AsyncWrite {
    private long bytes;

    /** Bytes written so far. */
    public long bytes() {
        return bytes;
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) {
        return Poll.pending();
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) {
        int n = src.remaining();
        src.position(src.limit());
        bytes += n;
        return Poll.ready(n);
    }

    @Override
    public Poll<Void> pollFlush(Context cx) {
        return Poll.readyNull();
    }

    @Override
    public Poll<Void> pollShutdown(Context cx) {
        return Poll.readyNull();
    }
}
