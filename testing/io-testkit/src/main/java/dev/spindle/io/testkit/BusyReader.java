package dev.spindle.io.testkit;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * A deliberately wrong reader, for tests of the busy-loop detector over a stream: it treats every ready read,
 * end of stream included, as "try again later" and wakes itself, so once the stream has ended it spins without
 * ever making progress. The first -1 is news; every later one is not.
 */
public final class BusyReader implements Future<Void> {
    private final AsyncRead stream;
    private final ByteBuffer buf = ByteBuffer.allocate(1024);

    /** A reader of {@code stream} that never completes; abort it to stop it. */
    public BusyReader(AsyncRead stream) {
        this.stream = stream;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        try {
            buf.clear();
            if (stream.pollRead(cx, buf).isReady()) {
                cx.waker().wake();
            }
            return Poll.pending();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
