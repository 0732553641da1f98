package dev.spindle.perf.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens many client connections to one server without overflowing its accept backlog. Connections are opened in
 * batches (default 32: below the JDK's default backlog of 50, which a server binding with backlog 0 gets), and
 * a batch counts as done only when every connection in it has finished its {@link Opening} (handshake, if any,
 * and a probe exchange): proof that the server has accepted the connection and is serving it, not merely that
 * the kernel finished the TCP handshake and parked it in the backlog. Only then does the next batch start, so at
 * most one batch waits in the backlog at any time, and a {@link Factory} may reuse per-connection state from
 * one batch in the next.
 *
 * <p>A connection that is refused, reset, fails its handshake, answers wrongly or not within the timeout is
 * closed and counted as a failure; the caller decides whether a partial set is usable.
 */
public final class Connector {

    /** Makes the client side of a connection over a fresh, not yet connected socket. */
    @FunctionalInterface
    public interface Factory<C extends ClientConnection> {
        C create(SocketChannel channel) throws IOException;
    }

    /** The connections that opened, and how many did not (with the first reason, for the log). */
    public record Result<C>(List<C> connections, int failures, String firstFailure) {
        /** Says on stderr how many of {@code wanted} connections failed, if any did. */
        public void reportFailures(int wanted) {
            if (failures > 0) {
                System.err.println(failures + " of " + wanted + " connections failed to open; first: "
                        + firstFailure);
            }
        }
    }

    private Connector() {
    }

    /**
     * A fresh client socket: non-blocking, TCP_NODELAY; {@code lingerZero} makes its eventual close a reset,
     * which leaves no TIME_WAIT entry behind (thousands of those would exhaust the loopback port range across
     * runs).
     */
    public static SocketChannel socket(boolean lingerZero) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (lingerZero) {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Opens {@code count} plain TCP connections (see {@link #open(InetSocketAddress, int, int, Probe, long, boolean, Factory)}). */
    static Result<PlainConnection> open(InetSocketAddress address, int count, int batch, Probe probe,
            long batchTimeoutNanos, boolean lingerZero) throws IOException {
        return open(address, count, batch, probe, batchTimeoutNanos, lingerZero, PlainConnection::new);
    }

    /**
     * Opens {@code count} connections to {@code address}, {@code batch} at a time, each made by {@code factory}
     * over a {@link #socket} and finishing {@code probe}; each batch must finish within {@code batchTimeoutNanos}.
     * The connections come back registered with no selector.
     */
    public static <C extends ClientConnection> Result<C> open(InetSocketAddress address, int count, int batch,
            Probe probe, long batchTimeoutNanos, boolean lingerZero, Factory<C> factory) throws IOException {
        List<C> opened = new ArrayList<>(count);
        int failures = 0;
        String firstFailure = null;
        try (Selector selector = Selector.open()) {
            while (opened.size() + failures < count) {
                int n = Math.min(batch, count - opened.size() - failures);
                List<Pending<C>> pending = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    SocketChannel ch = socket(lingerZero);
                    try {
                        Pending<C> p = new Pending<>(factory.create(ch), probe);
                        p.key = ch.register(selector, 0, p);
                        pending.add(p);
                        p.start(address);
                    } catch (IOException e) {
                        ch.close();
                        failures++;
                        firstFailure = firstFailure == null ? e.toString() : firstFailure;
                    }
                }
                long deadline = System.nanoTime() + batchTimeoutNanos;
                while (pending.stream().anyMatch(p -> !p.done)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    selector.select(key -> ((Pending<?>) key.attachment()).step(), Math.max(1, left / 1_000_000));
                }
                for (Pending<C> p : pending) {
                    p.key.cancel();
                    if (p.done && p.failure == null) {
                        opened.add(p.connection);
                    } else {
                        p.connection.close();
                        failures++;
                        String why = p.failure != null ? p.failure : "no answer within the timeout";
                        firstFailure = firstFailure == null ? why : firstFailure;
                    }
                }
                // Flush the cancelled keys, so the channels can be registered elsewhere without a stale key.
                selector.selectNow();
            }
        } catch (IOException | RuntimeException e) {
            for (C c : opened) {
                c.close();
            }
            throw e;
        }
        return new Result<>(opened, failures, firstFailure);
    }

    /** One connection of the current batch and its {@link Opening}. */
    private static final class Pending<C extends ClientConnection> {
        final C connection;
        final Opening opening;
        SelectionKey key;
        boolean done;
        String failure;

        Pending(C connection, Probe probe) {
            this.connection = connection;
            this.opening = new Opening(connection, probe);
        }

        void start(InetSocketAddress address) {
            try {
                waitFor(opening.start(address));
            } catch (IOException | RuntimeException e) {
                fail(e.toString());
            }
        }

        void step() {
            try {
                waitFor(opening.step());
            } catch (IOException | RuntimeException e) {
                fail(e.toString());
            }
        }

        private void waitFor(int interest) {
            done = interest == 0;
            key.interestOps(interest);
        }

        private void fail(String why) {
            done = true;
            failure = why;
            key.interestOps(0);
        }
    }
}
