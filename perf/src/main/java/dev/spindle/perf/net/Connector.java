package dev.spindle.perf.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Opens many client connections to one server without overflowing its accept backlog. Connections are opened in
 * batches (default 32: below the JDK's default backlog of 50, which a server binding with backlog 0 gets), and
 * a batch counts as done only when every connection in it has completed a probe exchange: proof that the server
 * has accepted the connection and is serving it, not merely that the kernel finished the handshake and parked
 * it in the backlog. Only then does the next batch start, so at most one batch waits in the backlog at any time.
 *
 * <p>A connection that is refused, reset, answered wrongly or not answered within the timeout is closed and
 * counted as a failure; the caller decides whether a partial set is usable.
 */
final class Connector {

    /** What a new connection sends to prove the server serves it. */
    enum Probe {
        /** Nothing: the connection counts as open once the handshake completes. */
        NONE(new byte[0], new byte[0]),
        /** One byte, which an echo server sends back. */
        ECHO(new byte[] {'p'}, new byte[] {'p'}),
        /** One keep-alive {@code GET /}, answered with exactly {@link Hello#RESPONSE}. */
        HTTP(Hello.REQUEST, Hello.RESPONSE);

        final byte[] request;
        final byte[] response;

        Probe(byte[] request, byte[] response) {
            this.request = request;
            this.response = response;
        }

        static Probe parse(String name) {
            return switch (name) {
                case "none" -> NONE;
                case "echo" -> ECHO;
                case "http" -> HTTP;
                default -> throw new IllegalArgumentException("unknown probe " + name + " (none, echo, http)");
            };
        }
    }

    /** The connections that opened, and how many did not (with the first reason, for the log). */
    record Result(List<SocketChannel> channels, int failures, String firstFailure) {
    }

    private Connector() {
    }

    /**
     * Opens {@code count} connections to {@code address}, {@code batch} at a time; each batch must finish its
     * probes within {@code batchTimeoutNanos}. The channels come back connected, non-blocking, with TCP_NODELAY,
     * and registered with no selector. {@code lingerZero} makes their eventual close a reset, which leaves no
     * TIME_WAIT entry behind (thousands of those would exhaust the loopback port range across runs).
     */
    static Result open(InetSocketAddress address, int count, int batch, Probe probe, long batchTimeoutNanos,
            boolean lingerZero) throws IOException {
        List<SocketChannel> opened = new ArrayList<>(count);
        int failures = 0;
        String firstFailure = null;
        try (Selector selector = Selector.open()) {
            while (opened.size() + failures < count) {
                int n = Math.min(batch, count - opened.size() - failures);
                List<Pending> pending = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    SocketChannel ch = SocketChannel.open();
                    try {
                        ch.configureBlocking(false);
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        if (lingerZero) {
                            ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                        }
                        Pending p = new Pending(ch, probe);
                        p.key = ch.register(selector, 0, p);
                        if (ch.connect(address)) {
                            p.connected();
                        } else {
                            p.key.interestOps(SelectionKey.OP_CONNECT);
                        }
                        pending.add(p);
                    } catch (IOException e) {
                        ch.close();
                        failures++;
                        firstFailure = firstFailure == null ? e.toString() : firstFailure;
                    }
                }
                long deadline = System.nanoTime() + batchTimeoutNanos;
                int waiting = (int) pending.stream().filter(p -> !p.done).count();
                while (waiting > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    selector.select(key -> ((Pending) key.attachment()).ready(), Math.max(1, left / 1_000_000));
                    waiting = 0;
                    for (Pending p : pending) {
                        if (!p.done) {
                            waiting++;
                        }
                    }
                }
                for (Pending p : pending) {
                    p.key.cancel();
                    if (p.done && p.failure == null) {
                        opened.add(p.channel);
                    } else {
                        p.channel.close();
                        failures++;
                        String why = p.failure != null ? p.failure : "no answer within the timeout";
                        firstFailure = firstFailure == null ? why : firstFailure;
                    }
                }
                // Flush the cancelled keys, so the channels can be registered elsewhere without a stale key.
                selector.selectNow();
            }
        } catch (IOException | RuntimeException e) {
            for (SocketChannel ch : opened) {
                ch.close();
            }
            throw e;
        }
        return new Result(opened, failures, firstFailure);
    }

    /** One connection of the current batch, driven through connect, probe write and probe read. */
    private static final class Pending {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        final byte[] expected;
        SelectionKey key;
        boolean done;
        String failure;

        Pending(SocketChannel channel, Probe probe) {
            this.channel = channel;
            this.out = ByteBuffer.wrap(probe.request);
            this.in = ByteBuffer.allocate(probe.response.length);
            this.expected = probe.response;
        }

        void ready() {
            try {
                if (key.isConnectable()) {
                    if (!channel.finishConnect()) {
                        return;
                    }
                    connected();
                    return;
                }
                if (key.isWritable()) {
                    write();
                }
                if (!done && key.isReadable()) {
                    read();
                }
            } catch (IOException e) {
                fail(e.toString());
            }
        }

        void connected() throws IOException {
            if (!out.hasRemaining() && !in.hasRemaining()) {
                finish();
                return;
            }
            write();
        }

        private void write() throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE | SelectionKey.OP_READ : SelectionKey.OP_READ);
        }

        private void read() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                fail("closed by the server before answering the probe");
            } else if (!in.hasRemaining()) {
                if (Arrays.equals(in.array(), expected)) {
                    finish();
                } else {
                    fail("unexpected probe answer: "
                            + new String(in.array(), java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
        }

        private void finish() {
            done = true;
            key.interestOps(0);
        }

        private void fail(String why) {
            done = true;
            failure = why;
            key.interestOps(0);
        }
    }
}
