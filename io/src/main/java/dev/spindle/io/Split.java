package dev.spindle.io;

import dev.spindle.Context;
import dev.spindle.Poll;
import dev.spindle.diagnostics.Described;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * The one way a Spindle stream is split into a read half and a write half, so one task can read while another
 * writes ({@code TcpStream.split()}, {@code TlsStream.split()}).
 *
 * <h2>Why the halves hold no state</h2>
 * A stream that can be split already keeps its reading and its writing apart: one waker slot per direction
 * (TCP), or one per role behind its lock (TLS). The halves only narrow the type, so that a task handed the read
 * half cannot write and the other way round; every call goes straight to the stream. Hence no locking here,
 * and no ordering to state: whatever the stream promises for one reader and one writer at a time holds for the
 * halves.
 *
 * <h2>Closing and leaks</h2>
 * Closing either half closes the whole stream (as Tokio's {@code into_split} halves do when dropped together).
 * The stream keeps its own leak tracker; the halves have none, so a stream closed through a half is released
 * once and a half dropped with its stream is reported once, as the stream.
 *
 * <h2>Diagnostics</h2>
 * Each half is {@link Described} with the stream as its only child, and prints as the stream, so a task dump
 * shows {@code ReadHalf<TlsStream<TcpStream>>} and the stream's addresses.
 */
public final class Split {
    private Split() {
    }

    /** The two halves of {@code stream}; both keep using it, and closing either closes it. */
    public static <S extends AsyncRead & AsyncWrite & Closeable> Halves<S> of(S stream) {
        Objects.requireNonNull(stream, "stream");
        return new Halves<>(new ReadHalf<>(stream), new WriteHalf<>(stream));
    }

    /** Both halves of a split stream. */
    public record Halves<S extends AsyncRead & AsyncWrite & Closeable>(ReadHalf<S> reader, WriteHalf<S> writer) {
    }

    /** The reading side of a split stream. */
    public static final class ReadHalf<S extends AsyncRead & AsyncWrite & Closeable>
            implements AsyncRead, AutoCloseable, Described {
        private final S stream;

        private ReadHalf(S stream) {
            this.stream = stream;
        }

        @Override
        public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
            return stream.pollRead(cx, dst);
        }

        /** The whole stream (its accessors, the other half's operations). */
        public S stream() {
            return stream;
        }

        /** Closes the whole stream. */
        @Override
        public void close() throws IOException {
            stream.close();
        }

        @Override
        public List<?> children() {
            return List.of(stream);
        }

        @Override
        public String toString() {
            return stream.toString();
        }
    }

    /** The writing side of a split stream. */
    public static final class WriteHalf<S extends AsyncRead & AsyncWrite & Closeable>
            implements AsyncWrite, AutoCloseable, Described {
        private final S stream;

        private WriteHalf(S stream) {
            this.stream = stream;
        }

        @Override
        public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
            return stream.pollWrite(cx, src);
        }

        @Override
        public Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) throws IOException {
            return stream.pollWriteVectored(cx, srcs);
        }

        @Override
        public Poll<Void> pollFlush(Context cx) throws IOException {
            return stream.pollFlush(cx);
        }

        @Override
        public Poll<Void> pollShutdown(Context cx) throws IOException {
            return stream.pollShutdown(cx);
        }

        /** The whole stream (its accessors, the other half's operations). */
        public S stream() {
            return stream;
        }

        /** Closes the whole stream. */
        @Override
        public void close() throws IOException {
            stream.close();
        }

        @Override
        public List<?> children() {
            return List.of(stream);
        }

        @Override
        public String toString() {
            return stream.toString();
        }
    }
}
