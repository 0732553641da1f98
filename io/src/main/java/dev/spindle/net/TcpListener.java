package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.io.internal.ScheduledIo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A bound TCP listening socket. Binding happens at once, on any thread; the socket registers with the reactor
 * of the runtime that first polls {@link #accept()}.
 */
public final class TcpListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.spindle.net");
    /**
     * Back-off after accept() fails for lack of file descriptors (EMFILE/ENFILE): the pending connection stays
     * in the backlog, so the listening socket stays readable, and retrying at once would spin (the bug this
     * guards against). Start at 10 ms, double up to 1 s, reset on the next successful accept.
     */
    private static final long MIN_BACKOFF_NANOS = 10_000_000L;
    private static final long MAX_BACKOFF_NANOS = 1_000_000_000L;
    /** Loaded now, while descriptors are available: the back-off path runs exactly when they are not. */
    @SuppressWarnings("unused")
    private static final Class<?>[] PRELOADED = {dev.spindle.time.Time.class, dev.spindle.time.Sleep.class};

    private final ServerSocketChannel channel;
    private volatile ScheduledIo io;
    private volatile boolean closed;
    /** Accept back-off state; owned by the task polling accept (one at a time). */
    private dev.spindle.time.Sleep backoff;
    private long backoffNanos;
    private long failedAccepts;

    private TcpListener(ServerSocketChannel channel) {
        this.channel = channel;
    }

    /** Binds {@code address} with the given accept backlog (0: the system default). */
    public static TcpListener bind(SocketAddress address, int backlog) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, backlog);
            ch.configureBlocking(false);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
        }
        return new TcpListener(ch);
    }

    /** Binds {@code address} with the default backlog. */
    public static TcpListener bind(SocketAddress address) throws IOException {
        return bind(address, 0);
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** A future of the next incoming connection. */
    public Future<TcpStream> accept() {
        return new Future<>() {
            private boolean done;

            @Override
            public Poll<TcpStream> poll(Context cx) {
                if (done) {
                    throw new IllegalStateException("accept() future polled after it completed");
                }
                try {
                    Poll<TcpStream> p = pollAccept(cx);
                    done = p.isReady();
                    return p;
                } catch (IOException e) {
                    done = true;
                    throw new UncheckedIOException("accept failed: " + e.getMessage(), e);
                }
            }
        };
    }

    /** Polls for the next incoming connection (for hand-written accept loops). */
    public Poll<TcpStream> pollAccept(Context cx) throws IOException {
        IoDriver driver = IoDriver.current();
        ScheduledIo sio = registration(driver);
        for (;;) {
            if (backoff != null) {
                if (backoff.poll(cx).isPending()) {
                    return Poll.pending(); // the timer holds our waker; no read interest meanwhile
                }
                backoff = null;
            }
            long ev = sio.pollReady(cx, ScheduledIo.READABLE);
            if (ScheduledIo.isPending(ev)) {
                return Poll.pending();
            }
            if (ScheduledIo.isClosed(ev) || closed) {
                throw new IOException("listener closed");
            }
            if (!cx.consumeBudget()) {
                return Poll.pending();
            }
            SocketChannel s;
            try {
                s = channel.accept();
            } catch (IOException e) {
                if (!isOutOfDescriptors(e)) {
                    throw e;
                }
                failedAccepts++;
                backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(2 * backoffNanos, MAX_BACKOFF_NANOS);
                if (backoffNanos == MIN_BACKOFF_NANOS) {
                    logQuietly(System.Logger.Level.WARNING, "accept() on " + channel.getLocalAddress() + " failed: "
                            + e.getMessage() + "; backing off (10 ms doubling to 1 s) until descriptors free up");
                }
                backoff = dev.spindle.time.Time.sleep(java.time.Duration.ofNanos(backoffNanos));
                continue;
            }
            if (s != null) {
                if (backoffNanos != 0) {
                    logQuietly(System.Logger.Level.INFO, "accept() on " + channel.getLocalAddress()
                            + " recovered after " + failedAccepts + " failed attempt(s)");
                    backoffNanos = 0;
                    failedAccepts = 0;
                }
                try {
                    s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    return Poll.ready(new TcpStream(s, driver.register(s)));
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
            }
            sio.clearReadiness(ev, ScheduledIo.READABLE);
        }
    }

    /** Logging may itself need descriptors (it loads classes): it must never break the accept loop. */
    private static void logQuietly(System.Logger.Level level, String message) {
        try {
            LOG.log(level, message);
        } catch (Throwable ignored) {
            // out of descriptors: the failure counter still tells the story
        }
    }

    /** accept() attempts that failed for lack of descriptors since the last success. */
    public long failedAccepts() {
        return failedAccepts;
    }

    private static boolean isOutOfDescriptors(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Too many open files") || m.contains("Too many open files in system"));
    }

    private ScheduledIo registration(IoDriver driver) throws IOException {
        ScheduledIo s = io;
        if (s == null) {
            synchronized (this) {
                s = io;
                if (s == null) {
                    s = driver.register(channel);
                    io = s;
                }
            }
        }
        return s;
    }

    /** Stops listening; idempotent. A task waiting in accept() is woken and fails with "listener closed". */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            ScheduledIo s = io;
            if (s != null) {
                s.markClosed();
            }
        }
    }
}
