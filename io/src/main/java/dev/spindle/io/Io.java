package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.spi.EventDriver;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Entry points of Spindle I/O: a runtime with the reactor, and futures over {@link AsyncRead} and
 * {@link AsyncWrite}. I/O failures surface from these futures as {@link UncheckedIOException} whose cause
 * is the original {@link IOException}.
 */
public final class Io {
    private Io() {
    }

    /** A runtime builder with the NIO reactor installed (the reactor is driven from the parking path). */
    public static SpindleRuntime.Builder runtimeBuilder() {
        return SpindleRuntime.builder().eventDriver(newDriver());
    }

    /** A new reactor, for {@code SpindleRuntime.builder().eventDriver(..)}. */
    public static EventDriver newDriver() {
        return new IoDriver();
    }

    /** Reads once into {@code dst}: the number of bytes, or -1 at end of stream. */
    public static Future<Integer> read(AsyncRead r, ByteBuffer dst) {
        Objects.requireNonNull(r, "reader");
        Objects.requireNonNull(dst, "dst");
        return new Once<>() {
            @Override
            Poll<Integer> step(Context cx) throws IOException {
                return r.pollRead(cx, dst);
            }
        };
    }

    /** Fills {@code dst} completely; fails with {@link EOFException} if the stream ends first. */
    public static Future<Void> readExact(AsyncRead r, ByteBuffer dst) {
        return new Once<>() {
            @Override
            Poll<Void> step(Context cx) throws IOException {
                while (dst.hasRemaining()) {
                    Poll<Integer> p = r.pollRead(cx, dst);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        throw new EOFException("stream ended with " + dst.remaining() + " of the expected bytes missing");
                    }
                }
                return Poll.readyNull();
            }
        };
    }

    /** Writes all of {@code src}. */
    public static Future<Void> writeAll(AsyncWrite w, ByteBuffer src) {
        return new Once<>() {
            @Override
            Poll<Void> step(Context cx) throws IOException {
                while (src.hasRemaining()) {
                    if (w.pollWrite(cx, src).isPending()) {
                        return Poll.pending();
                    }
                }
                return Poll.readyNull();
            }
        };
    }

    /** Writes once from {@code src}: the number of bytes taken. */
    public static Future<Integer> write(AsyncWrite w, ByteBuffer src) {
        return new Once<>() {
            @Override
            Poll<Integer> step(Context cx) throws IOException {
                return w.pollWrite(cx, src);
            }
        };
    }

    /** Flushes {@code w}. */
    public static Future<Void> flush(AsyncWrite w) {
        return new Once<>() {
            @Override
            Poll<Void> step(Context cx) throws IOException {
                return w.pollFlush(cx);
            }
        };
    }

    /** Flushes and half-closes {@code w}. */
    public static Future<Void> shutdown(AsyncWrite w) {
        return new Once<>() {
            @Override
            Poll<Void> step(Context cx) throws IOException {
                return w.pollShutdown(cx);
            }
        };
    }

    /**
     * Copies {@code r} to {@code w} until EOF, then flushes (does not half-close {@code w}); completes with the
     * number of bytes copied. Uses one 16 KiB buffer for the whole copy.
     */
    public static Future<Long> copy(AsyncRead r, AsyncWrite w) {
        return new Once<>() {
            private final ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024).flip();
            private long total;
            private boolean eof;

            @Override
            Poll<Long> step(Context cx) throws IOException {
                for (;;) {
                    if (buf.hasRemaining()) {
                        Poll<Integer> p = w.pollWrite(cx, buf);
                        if (p.isPending()) {
                            return Poll.pending();
                        }
                        total += p.value();
                        continue;
                    }
                    if (eof) {
                        return w.pollFlush(cx).isPending() ? Poll.pending() : Poll.ready(total);
                    }
                    buf.clear();
                    Poll<Integer> p = r.pollRead(cx, buf);
                    buf.flip();
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        eof = true;
                    }
                }
            }
        };
    }

    /** A future that runs {@code step} until Ready, turning IOExceptions into UncheckedIOException. */
    private abstract static class Once<T> implements Future<T> {
        private boolean done;

        abstract Poll<T> step(Context cx) throws IOException;

        @Override
        public final Poll<T> poll(Context cx) {
            if (done) {
                throw new IllegalStateException("I/O future polled after it completed");
            }
            try {
                Poll<T> p = step(cx);
                if (p.isReady()) {
                    done = true;
                }
                return p;
            } catch (IOException e) {
                done = true;
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }
}
