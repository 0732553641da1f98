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
    private final ServerSocketChannel channel;
    private volatile ScheduledIo io;
    private volatile boolean closed;

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
            SocketChannel s = channel.accept();
            if (s != null) {
                s.setOption(StandardSocketOptions.TCP_NODELAY, true);
                return Poll.ready(new TcpStream(s, driver.register(s)));
            }
            sio.clearReadiness(ev, ScheduledIo.READABLE);
        }
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
