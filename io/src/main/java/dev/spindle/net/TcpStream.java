package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakTracker;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Split;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.io.internal.ScheduledIo;
import dev.spindle.time.DeadlineExceededException;
import dev.spindle.time.Time;

import java.io.Closeable;
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
 *
 * <h2>Diagnostics</h2>
 * A read or write that moved bytes, the first end of stream, and the first half-close tell the runtime's busy-loop
 * detector that the task made progress ({@code Context.markProgress}); a would-block, a spent budget, an empty
 * buffer and every end of stream after the first do not, so a caller that keeps polling a stream with nothing new
 * is seen for what it is. A Pending poll says which direction it waits on ({@code Context.waitingOn}).
 */
public final class TcpStream implements AsyncRead, AsyncWrite, Closeable {
    /**
     * Loaded with this class, not at the first read: a server that accepts until descriptors run out reads for
     * the first time with none left to open a class file, and a reference that failed to resolve stays failed
     * (JVMS 5.4.3), which would break every later read ({@code AcceptUnderDescriptorExhaustionTest}).
     */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {BoundedTransfer.class};

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
                            cx.markProgress();
                            return finish();
                        }
                    }
                    for (;;) {
                        long ev = io.pollReady(cx, ScheduledIo.WRITABLE);
                        if (ScheduledIo.isPending(ev)) {
                            cx.waitingOn(this);
                            return Poll.pending();
                        }
                        if (ch.finishConnect()) {
                            cx.markProgress();
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

            /** What a task dump shows while the connect is in flight. */
            @Override
            public String toString() {
                return "TcpStream connect to " + address(address);
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

    /*
     * Diagnostics state, kept apart from the connection state above. The two waits are made once, so a Pending poll
     * names its direction without allocating; the description is built on first use, by a dump.
     */
    private final WaitingOn waitingReadable = new WaitingOn(this, "readable");
    private final WaitingOn waitingWritable = new WaitingOn(this, "writable");
    /** {@code local -> remote}, cached by the first {@link #toString()}; plain field: a racy rebuild is harmless. */
    private String endpoints;
    /** The end of stream was returned once (worker side only): a later -1 is no progress. */
    private boolean eofReported;
    /** The write side was half-closed by {@link #pollShutdown} (worker side only): a repeat is no progress. */
    private boolean shutdownReported;

    @Override
    public Poll<Integer> pollRead(Context cx, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return Poll.readyCount(0);
        }
        for (;;) {
            long ev = io.pollReady(cx, ScheduledIo.READABLE);
            if (ScheduledIo.isPending(ev)) {
                cx.waitingOn(waitingReadable);
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending(); // budget spent: the task was woken and goes to the back of the queue
            }
            int offered = BoundedTransfer.attempt(dst);
            int n = BoundedTransfer.read(channel, dst, offered);
            if (n > 0 && n < offered) {
                // A short read drained the socket's receive buffer: clear readiness now (at this event's tick, so a
                // newer event is kept), and the next read waits without first failing with EAGAIN, one system call
                // per request saved (Tokio and Netty stop on a short read too). Safe with a level-triggered
                // selector: data arriving after this read makes the armed key report it, or, with interest
                // dropped, the next wait asks for interest and select reports it then.
                io.clearReadiness(ev, ScheduledIo.READABLE);
            }
            if (n > 0) {
                cx.markProgress();
                return Poll.readyCount(n);
            }
            if (n < 0) {
                // The end of stream is a result the first time; a caller that keeps reading it learns nothing new.
                if (!eofReported) {
                    eofReported = true;
                    cx.markProgress();
                }
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
                cx.waitingOn(waitingWritable);
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            int offered = BoundedTransfer.attempt(src);
            int n = BoundedTransfer.write(channel, src, offered);
            if (n > 0) {
                cx.markProgress();
                if (n < offered) {
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
                cx.waitingOn(waitingWritable);
                return Poll.pending();
            }
            checkOpen(ev);
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            long n = BoundedTransfer.write(channel, srcs);
            boolean any = false;
            for (ByteBuffer b : srcs) {
                any |= b.hasRemaining();
            }
            if (n > 0) {
                cx.markProgress();
                return Poll.readyCount(n);
            }
            if (!any) {
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
        if (!shutdownReported) {
            shutdownReported = true; // the FIN went out: progress once, not on every repeat
            cx.markProgress();
        }
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
     * own waker slot). Closing either half closes the stream. See {@link Split}.
     */
    public Split.Halves<TcpStream> split() {
        return Split.of(this);
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

    /**
     * {@code TcpStream 127.0.0.1:5000 -> 127.0.0.1:41234} (local, then remote), as task dumps show the stream a task
     * waits on. Safe from any thread: the addresses are read once, and a stream closed before that says so.
     */
    @Override
    public String toString() {
        String e = endpoints;
        if (e == null) {
            try {
                e = endpoints = address(channel.getLocalAddress()) + " -> " + address(channel.getRemoteAddress());
            } catch (IOException closedAlready) {
                return "TcpStream (closed)";
            }
        }
        return closed ? "TcpStream " + e + " (closed)" : "TcpStream " + e;
    }

    /** {@code 127.0.0.1:5000}, without the {@code /} or host name an {@code InetSocketAddress} prints. */
    static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            return i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
