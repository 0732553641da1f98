package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.Waker;
import dev.spindle.diagnostics.LeakDetector;
import dev.spindle.diagnostics.LeakTracker;
import dev.spindle.io.internal.IoDriver;
import dev.spindle.io.internal.ScheduledIo;
import dev.spindle.io.internal.WakerSet;

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
 *
 * <h2>Several tasks may accept at once</h2>
 * An accept loop per worker on one listener is a common server shape, so any number of tasks may wait in
 * {@link #accept()} at the same time, and each incoming connection wakes all of them; one gets it and the others
 * wait again. (The readiness record has one waker slot per direction, enough for a stream's single reader; here
 * the slot holds a {@link WakerSet} of every waiting task. With the slot alone, the second waiting task's waker
 * replaced the first's, and the first slept through connections that nobody else accepted.)
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
    /** The tasks waiting in accept; the readiness record and the back-off timer hold this set as their waker. */
    private final WakerSet acceptors = new WakerSet();
    private final Context acceptorsCx = new Context(acceptors);
    /** Accept back-off state; guarded by {@code this} (pollAccept runs under it: several tasks may call it). */
    private dev.spindle.time.Sleep backoff;
    private long backoffNanos;
    private long failedAccepts;

    /** Reports this listener if it is garbage-collected unclosed (its port would stay bound). */
    private final LeakTracker leak;

    private TcpListener(ServerSocketChannel channel) {
        this.channel = channel;
        this.leak = LeakDetector.track(this, TcpListener::describeForLeak);
    }

    private static String describeForLeak(TcpListener l) {
        try {
            return "TcpListener " + l.localAddress();
        } catch (IOException e) {
            return "TcpListener " + l.channel;
        }
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
            private Waker waiting; // the waker left in the accept set by the last Pending poll

            @Override
            public Poll<TcpStream> poll(Context cx) {
                if (done) {
                    throw new IllegalStateException("accept() future polled after it completed");
                }
                try {
                    Poll<TcpStream> p = pollAccept(cx);
                    done = p.isReady();
                    waiting = done ? null : cx.waker();
                    return p;
                } catch (IOException e) {
                    done = true;
                    waiting = null;
                    throw new UncheckedIOException("accept failed: " + e.getMessage(), e);
                }
            }

            @Override
            public void cancel() {
                if (waiting != null) {
                    acceptors.remove(waiting); // a dropped accept (select, timeout) is not woken for connections
                    waiting = null;
                }
            }
        };
    }

    /** What a Pending accept waits on, for task dumps; made once, handed out without allocating. */
    private final WaitingOn waitingAccept = new WaitingOn(this, "accept");

    /**
     * Polls for the next incoming connection (for hand-written accept loops). Several tasks may poll at once; a
     * task that stops polling after {@code Pending} without being cancelled gets one spurious wake at the next
     * connection.
     */
    public synchronized Poll<TcpStream> pollAccept(Context cx) throws IOException {
        IoDriver driver = IoDriver.current();
        ScheduledIo sio = registration(driver);
        Waker me = cx.waker();
        for (;;) {
            // First into the set, then register the set and re-check readiness (WakerSet's protocol).
            acceptors.add(me);
            if (backoff != null) {
                if (backoff.poll(acceptorsCx).isPending()) {
                    cx.waitingOn(waitingAccept);
                    return Poll.pending(); // the timer wakes the set; no read interest meanwhile
                }
                backoff = null;
            }
            long ev = sio.pollReady(acceptorsCx, ScheduledIo.READABLE);
            if (ScheduledIo.isPending(ev)) {
                cx.waitingOn(waitingAccept);
                return Poll.pending();
            }
            acceptors.remove(me); // from here on this poll returns Ready, throws, or loops (and re-adds)
            if (ScheduledIo.isClosed(ev) || closed) {
                throw new IOException("listener closed");
            }
            if (!cx.consumeBudget()) {
                return Poll.pending(); // consumeBudget woke this task
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
                    cx.markProgress(); // a connection taken: progress (an accept that failed or found none is not)
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

    /** Tasks waiting in accept now (tests). */
    int acceptWaiters() {
        return acceptors.size();
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
            leak.close(this);
        }
    }

    /** {@code TcpListener 0.0.0.0:8080}, as task dumps show the listener an accept waits on. */
    @Override
    public String toString() {
        try {
            return "TcpListener " + TcpStream.address(channel.getLocalAddress()) + (closed ? " (closed)" : "");
        } catch (IOException closedAlready) {
            return "TcpListener (closed)";
        }
    }
}
