package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakTracker;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.io.internal.ScheduledIo;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP connection, readable and writable without blocking through the runtime's reactor.
 *
 * <h2>Reading and writing</h2>
 * Every operation tries the system call first; only a zero-byte result (would block) clears the readiness
 * seen by that attempt (if no newer event arrived) and registers the task's waker, so a stream never returns
 * {@code Pending} without a way to be woken, and a wake always follows new readiness. Each ready operation
 * spends one unit of the cooperative budget.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent; a task waiting on the stream at that moment is woken and its next poll
 * fails with "stream closed". {@link #pollShutdown} half-closes the write side (the peer reads EOF).
 * One task may read while another writes (each direction has its own waker slot).
 */
public final class TcpStream implements AsyncRead, AsyncWrite, AutoCloseable {
    private final SocketChannel channel;
    private final ScheduledIo io;
    private volatile boolean closed;
    /** Reports this stream if it is garbage-collected unclosed (its socket would stay open and registered). */
    private final LeakTracker leak;

    /** {@code channel} is connected (accepted, or its connect finished). */
    TcpStream(SocketChannel channel, ScheduledIo io) {
        this.channel = channel;
        this.io = io;
        io.assumeReady(ScheduledIo.READABLE | ScheduledIo.WRITABLE);
        this.leak = LeakDetector.track(this, TcpStream::describeForLeak);
    }

    private static String describeForLeak(TcpStream s) {
        try {
            return "TcpStream " + s.localAddress() + "->" + s.remoteAddress();
        } catch (IOException e) {
            return "TcpStream " + s.channel;
        }
    }

    /** A future connecting to {@code address}; registers with the reactor of the runtime polling it. */
    public static Future<TcpStream> connect(SocketAddress address) {
        return new Future<>() {
            private SocketChannel ch;
            private ScheduledIo io;
            private boolean done;

            @Override
            public Poll<TcpStream> poll(Context cx) {
                if (done) {
                    throw new IllegalStateException("connect() future polled after it completed");
                }
                try {
                    if (ch == null) {
                        ch = SocketChannel.open();
                        io = IoDriver.current().register(ch);
                        if (ch.connect(address)) {
                            return finish();
                        }
                    }
                    for (;;) {
                        long ev = io.pollReady(cx, ScheduledIo.WRITABLE);
                        if (ScheduledIo.isPending(ev)) {
                            return Poll.pending();
                        }
                        if (ch.finishConnect()) {
                            return finish();
                        }
                        io.clearReadiness(ev, ScheduledIo.WRITABLE);
                    }
                } catch (IOException e) {
                    done = true;
                    closeQuietly();
                    throw new UncheckedIOException("connect to " + address + " failed: " + e.getMessage(), e);
                }
            }

            private Poll<TcpStream> finish() throws IOException {
                done = true;
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                return Poll.ready(new TcpStream(ch, io));
            }

            private void closeQuietly() {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // the connect already failed; that is the error reported
                    }
                }
            }

            @Override
            public void cancel() {
                if (!done) {
                    done = true;
                    closeQuietly();
                }
            }
        };
    }

    /**
     * {@link #connect(SocketAddress)} with a deadline: past {@code timeout} the attempt is abandoned (its
     * socket closed) and the future fails with an {@link UncheckedIOException} whose cause is a
     * {@link SocketTimeoutException}, like every other connect failure.
     */
    public static Future<TcpStream> connect(SocketAddress address, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Future<TcpStream> deadline = Time.timeout(timeout, connect(address));
        return new Future<>() {
            @Override
            public Poll<TcpStream> poll(Context cx) {
                try {
                    return deadline.poll(cx);
                } catch (DeadlineExceededException e) {
                    SocketTimeoutException timedOut =
                            new SocketTimeoutException("connect to " + address + " timed out after " + timeout);
                    timedOut.initCause(e);
                    throw new UncheckedIOException(timedOut.getMessage(), timedOut);
                }
            }

            @Override
            public void cancel() {
                deadline.cancel();
            }
        };
    }

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return Poll.readyCount(0);
        }
        for (;;) {
            long ev = io.pollReady(cx, ScheduledIo.READABLE);
            if (ScheduledIo.isPending(ev)) {
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending(); // budget spent: the task was woken and goes to the back of the queue
            }
            int n = channel.read(dst);
            if (n > 0 && dst.hasRemaining()) {
                // A short read drained the socket's receive buffer: clear readiness now (at this event's tick, so a
                // newer event is kept), and the next read waits without first failing with EAGAIN, one system call
                // per request saved (Tokio and Netty stop on a short read too). Safe with a level-triggered
                // selector: data arriving after this read makes the armed key report it, or, with interest
                // dropped, the next wait asks for interest and select reports it then.
                io.clearReadiness(ev, ScheduledIo.READABLE);
            }
            if (n != 0) {
                return Poll.readyCount(n);
            }
            io.clearReadiness(ev, ScheduledIo.READABLE);
        }
    }

    @Override
    public Poll<Integer> pollWrite(Context cx, ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return Poll.readyCount(0);
        }
        for (;;) {
            long ev = io.pollReady(cx, ScheduledIo.WRITABLE);
            if (ScheduledIo.isPending(ev)) {
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            int n = channel.write(src);
            if (n > 0) {
                if (src.hasRemaining()) {
                    // A short write filled the send buffer: the next write would fail with 0 bytes; wait instead.
                    io.clearReadiness(ev, ScheduledIo.WRITABLE);
                }
                return Poll.readyCount(n);
            }
            io.clearReadiness(ev, ScheduledIo.WRITABLE);
        }
    }

    @Override
    public Poll<Long> pollWriteVectored(Context cx, ByteBuffer[] srcs) throws IOException {
        for (;;) {
            long ev = io.pollReady(cx, ScheduledIo.WRITABLE);
            if (ScheduledIo.isPending(ev)) {
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            long n = channel.write(srcs);
            boolean any = false;
            for (ByteBuffer b : srcs) {
                any |= b.hasRemaining();
            }
            if (n > 0 || !any) {
                return Poll.readyCount(n);
            }
            io.clearReadiness(ev, ScheduledIo.WRITABLE);
        }
    }

    /** Writes go straight to the socket: there is nothing to flush. */
    @Override
    public Poll<Void> pollFlush(Context cx) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        return Poll.readyNull();
    }

    /** Half-closes the write side: the peer reads EOF; reading goes on. Idempotent. */
    @Override
    public Poll<Void> pollShutdown(Context cx) throws IOException {
        shutdownOutput();
        return Poll.readyNull();
    }

    /** Half-closes the write side now. */
    public void shutdownOutput() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (channel.isConnected() && !channel.socket().isOutputShutdown()) {
            channel.shutdownOutput();
        }
    }

    private void checkOpen(long ev) throws IOException {
        if (ScheduledIo.isClosed(ev) || closed) {
            throw new IOException("stream closed: close() was called on this TcpStream while it was in use");
        }
    }

    /**
     * The read half and the write half of this stream, for two tasks to use at once (each direction has its
     * own waker slot). Closing either half closes the stream.
     */
    public Halves split() {
        return new Halves(new ReadHalf(this), new WriteHalf(this));
    }

    /** Both halves of a split stream. */
    public record Halves(ReadHalf reader, WriteHalf writer) {
    }

    /** The reading side of a split {@link TcpStream}. */
    public static final class ReadHalf implements AsyncRead, AutoCloseable {
        private final TcpStream stream;

        private ReadHalf(TcpStream stream) {
            this.stream = stream;
        }

        @Override
        public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
            return stream.pollRead(cx, dst);
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    /** The writing side of a split {@link TcpStream}. */
    public static final class WriteHalf implements AsyncWrite, AutoCloseable {
        private final TcpStream stream;

        private WriteHalf(TcpStream stream) {
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

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    public InetSocketAddress remoteAddress() throws IOException {
        return (InetSocketAddress) channel.getRemoteAddress();
    }

    public TcpStream setNoDelay(boolean on) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, on);
        return this;
    }

    public TcpStream setKeepAlive(boolean on) throws IOException {
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, on);
        return this;
    }

    public TcpStream setReceiveBufferSize(int bytes) throws IOException {
        channel.setOption(StandardSocketOptions.SO_RCVBUF, bytes);
        return this;
    }

    public TcpStream setSendBufferSize(int bytes) throws IOException {
        channel.setOption(StandardSocketOptions.SO_SNDBUF, bytes);
        return this;
    }

    /** SO_LINGER (seconds; 0 makes close() send a reset). */
    public TcpStream setLinger(int seconds) throws IOException {
        channel.setOption(StandardSocketOptions.SO_LINGER, seconds);
        return this;
    }

    /** Closes the connection; idempotent. A task waiting on it is woken and fails with "stream closed". */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            io.markClosed();
            leak.close(this);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "TcpStream[" + channel + "]";
    }
}
