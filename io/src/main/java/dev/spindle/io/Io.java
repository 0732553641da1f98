package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Entry points of Spindle I/O: a runtime with the reactor, and futures over {@link AsyncRead} and
 * {@link AsyncWrite}. I/O failures surface from these futures as {@link UncheckedIOException} whose cause
 * is the original {@link IOException}.
 */
public final class Io {
    static {
        // Load every future class of this file now (the anonymous ones are Io$1, Io$2, ...): an I/O future's
        // class must not need a file descriptor to load at the moment it is first used, which may be exactly
        // when descriptors have run out. Found by the EMFILE test: every echo task failed at EOF while loading
        // the shutdown future's class, and leaked its socket.
        for (int i = 1; ; i++) {
            try {
                Class.forName(Io.class.getName() + "$" + i, false, Io.class.getClassLoader());
            } catch (ClassNotFoundException end) {
                break;
            }
        }
    }

    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {Pump.class, Copied.class, Copy.class, CopyBidirectional.class,
            java.io.EOFException.class, UncheckedIOException.class};

    private Io() {
    }

    /** Reads once into {@code dst}: the number of bytes, or -1 at end of stream. */
    public static Future<Integer> read(AsyncRead r, ByteBuffer dst) {
        Objects.requireNonNull(r, "reader");
        Objects.requireNonNull(dst, "dst");
        return new Once<>(r) {
            @Override
            Poll<Integer> step(Context cx) throws IOException {
                return r.pollRead(cx, dst);
            }
        };
    }

    /** Fills {@code dst} completely; fails with {@link EOFException} if the stream ends first. */
    public static Future<Void> readExact(AsyncRead r, ByteBuffer dst) {
        return new Once<>(r) {
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

    /** Reads until EOF; completes with everything read (fails if it would exceed {@code limit} bytes). */
    public static Future<byte[]> readToEnd(AsyncRead r, int limit) {
        return new Once<>(r) {
            private ByteBuffer buf = ByteBuffer.allocate(Math.min(limit, 8 * 1024));

            @Override
            Poll<byte[]> step(Context cx) throws IOException {
                for (;;) {
                    if (!buf.hasRemaining()) {
                        if (buf.capacity() >= limit) {
                            throw new IOException("stream longer than the limit of " + limit + " bytes");
                        }
                        ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(limit, 2L * buf.capacity()));
                        buf.flip();
                        bigger.put(buf);
                        buf = bigger;
                    }
                    Poll<Integer> p = r.pollRead(cx, buf);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        byte[] out = new byte[buf.position()];
                        buf.flip().get(out);
                        return Poll.ready(out);
                    }
                }
            }
        };
    }

    /** Writes all of {@code src}. */
    public static Future<Void> writeAll(AsyncWrite w, ByteBuffer src) {
        return new Once<>(w) {
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
        return new Once<>(w) {
            @Override
            Poll<Integer> step(Context cx) throws IOException {
                return w.pollWrite(cx, src);
            }
        };
    }

    /** Flushes {@code w}. */
    public static Future<Void> flush(AsyncWrite w) {
        return new Once<>(w) {
            @Override
            Poll<Void> step(Context cx) throws IOException {
                return w.pollFlush(cx);
            }
        };
    }

    /** Flushes and half-closes {@code w}. */
    public static Future<Void> shutdown(AsyncWrite w) {
        return new Once<>(w) {
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
        return new Copy(r, w);
    }

    /** Bytes moved by {@link #copyBidirectional}: {@code aToB} from a to b, {@code bToA} from b to a. */
    public record Copied(long aToB, long bToA) {
    }

    /**
     * Copies both ways between {@code a} and {@code b} until both directions have reached EOF. When one side's
     * input ends, the other side's output is half-closed (so the peer sees EOF too), and the other direction
     * goes on. Completes with both byte counts. Both streams are used from the one task polling this future.
     */
    public static <A extends AsyncRead & AsyncWrite, B extends AsyncRead & AsyncWrite> Future<Copied> copyBidirectional(
            A a, B b) {
        return new CopyBidirectional(a, b, new Pump(a, b, true), new Pump(b, a, true));
    }

    /** {@link #copy}: a named class, so that diagnostics read {@code Copy<TcpStream, TcpStream>}. */
    private static final class Copy extends Once<Long> {
        private final Pump pump;

        Copy(AsyncRead r, AsyncWrite w) {
            super(r, w);
            this.pump = new Pump(r, w, false);
        }

        @Override
        Poll<Long> step(Context cx) throws IOException {
            return pump.poll(cx) ? Poll.ready(pump.total) : Poll.pending();
        }
    }

    /** {@link #copyBidirectional}: diagnostics read {@code CopyBidirectional<TlsStream<TcpStream>, TcpStream>}. */
    private static final class CopyBidirectional extends Once<Copied> {
        private final Pump aToB;
        private final Pump bToA;

        CopyBidirectional(Object a, Object b, Pump aToB, Pump bToA) {
            super(a, b);
            this.aToB = aToB;
            this.bToA = bToA;
        }

        @Override
        Poll<Copied> step(Context cx) throws IOException {
            boolean doneAB = aToB.poll(cx);
            boolean doneBA = bToA.poll(cx);
            return doneAB && doneBA ? Poll.ready(new Copied(aToB.total, bToA.total)) : Poll.pending();
        }
    }

    /**
     * One direction of a copy: read into a buffer, write it out, until EOF; then flush (and half-close the
     * writer if asked). {@link #poll} returns true once finished; it is safe to call again after that.
     */
    private static final class Pump {
        private final AsyncRead r;
        private final AsyncWrite w;
        private final boolean shutdownAtEof;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024).flip();
        long total;
        private boolean eof;
        private boolean finished;

        Pump(AsyncRead r, AsyncWrite w, boolean shutdownAtEof) {
            this.r = r;
            this.w = w;
            this.shutdownAtEof = shutdownAtEof;
        }

        boolean poll(Context cx) throws IOException {
            while (!finished) {
                if (buf.hasRemaining()) {
                    Poll<Integer> p = w.pollWrite(cx, buf);
                    if (p.isPending()) {
                        return false;
                    }
                    total += p.value();
                    continue;
                }
                if (eof) {
                    if (w.pollFlush(cx).isPending()) {
                        return false;
                    }
                    if (shutdownAtEof && w.pollShutdown(cx).isPending()) {
                        return false;
                    }
                    finished = true;
                    break;
                }
                buf.clear();
                Poll<Integer> p = r.pollRead(cx, buf);
                buf.flip();
                if (p.isPending()) {
                    return false;
                }
                if (p.value() < 0) {
                    eof = true;
                }
            }
            return true;
        }
    }

    /**
     * A future that runs {@code step} until Ready, turning IOExceptions into UncheckedIOException. It is not a leaf:
     * the streams it drives mark progress and say what they wait on; it only names them as its children.
     */
    private abstract static class Once<T> implements Future<T>, Described {
        private final List<?> children;
        private boolean done;

        /** {@code streams}: the readers and writers it drives, in argument order (null ones are skipped). */
        Once(Object... streams) {
            this.children = Arrays.asList(streams);
        }

        @Override
        public final List<?> children() {
            return children;
        }

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
