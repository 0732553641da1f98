package dev.spindle.perf.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The closed echo loop over already opened {@link ClientConnection}s, plain or TLS: each connection sends one
 * message of {@code size} bytes, waits until all {@code size} bytes have come back, records the round trip, and
 * sends the next. Throughput is therefore set by the server's (and the client's) latency: the shape of a
 * request/response protocol, not of a firehose.
 *
 * <p>The connections are spread over {@code threads} load threads; each owns its connections, a selector and a
 * {@link WindowRecorder}, so threads never share mutable state. The send/receive loop allocates nothing (beyond
 * what a TLS engine allocates per call): every connection has a preallocated buffer each way, and the selector is
 * driven with {@link Selector#select(Consumer, long)}, which needs no iterator over the selected-key set.
 *
 * <p>Every message is checked: the echo must be exactly {@code size} bytes (the read buffer holds no more, and
 * extra bytes would show up at the start of the next echo; TLS: an error in the connection), and its first and
 * last bytes must be those sent. The first byte is a per-message sequence tag, so a reordered or stale echo is
 * caught as well as a truncated one. A connection that fails, or that the server closes, is dropped and counted
 * in {@code errors}.
 */
public final class EchoLoad implements MeasuredLoad {
    private final List<Worker> workers = new ArrayList<>();
    private final List<WindowRecorder> recorders = new ArrayList<>();
    private final List<Thread> running = new ArrayList<>();

    public EchoLoad(List<? extends ClientConnection> connections, int size, int threads) throws IOException {
        for (int t = 0; t < threads; t++) {
            Worker w = new Worker(size);
            workers.add(w);
            recorders.add(w.recorder);
        }
        for (int i = 0; i < connections.size(); i++) {
            workers.get(i % threads).add(connections.get(i));
        }
    }

    @Override
    public void start(long windowStart, long windowEnd) {
        for (int t = 0; t < workers.size(); t++) {
            Worker w = workers.get(t);
            w.recorder.window(windowStart, windowEnd);
            running.add(Thread.ofPlatform().name("echo-load-" + t).start(w::run));
        }
    }

    @Override
    public void finish() throws InterruptedException {
        for (Thread thread : running) {
            thread.join();
        }
        for (Worker w : workers) {
            for (Conn c : w.conns) {
                c.connection.close();
            }
        }
        reportFirstError();
    }

    @Override
    public List<WindowRecorder> recorders() {
        return recorders;
    }

    /** One load thread: its connections, its selector, its recorder. */
    private static final class Worker {
        final int size;
        final WindowRecorder recorder = new WindowRecorder();
        final List<Conn> conns = new ArrayList<>();
        final Selector selector;
        /** Bound once: a method reference created inside the loop would allocate on every select. */
        final Consumer<SelectionKey> onReady = this::onReady;

        Worker(int size) throws IOException {
            this.size = size;
            this.selector = Selector.open();
        }

        void add(ClientConnection connection) throws IOException {
            Conn c = new Conn(connection, size);
            c.key = connection.channel().register(selector, 0, c);
            conns.add(c);
        }

        void run() {
            try {
                long now = System.nanoTime();
                for (Conn c : conns) {
                    send(c, now);
                }
                long windowEnd = recorder.windowEnd();
                while ((now = System.nanoTime()) < windowEnd) {
                    // Wake at least every 50 ms to notice the end of the window when every connection is stuck.
                    selector.select(onReady, Math.max(1, Math.min(50, (windowEnd - now) / 1_000_000)));
                }
                selector.close();
            } catch (IOException e) {
                recorder.error("selector failed: " + e);
            }
        }

        private void onReady(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable() && c.connection.send(c.out)) {
                    key.interestOps(SelectionKey.OP_READ);
                }
                if (key.isReadable()) {
                    if (!c.connection.receive(c.in)) {
                        drop(c, "closed by the server");
                        return;
                    }
                    if (!c.in.hasRemaining()) {
                        long now = System.nanoTime();
                        if (c.in.get(0) != c.tag || c.in.get(size - 1) != c.out.get(size - 1)) {
                            drop(c, "echo differs from the message sent");
                            return;
                        }
                        recorder.completed(c.sentAt, now);
                        send(c, now);
                    }
                }
            } catch (IOException | RuntimeException e) {
                drop(c, e.toString());
            }
        }

        private void send(Conn c, long now) throws IOException {
            c.tag++;
            c.out.clear();
            c.out.put(0, c.tag);
            c.in.clear();
            c.sentAt = now;
            boolean sent = c.connection.send(c.out);
            c.key.interestOps(sent ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }

        private void drop(Conn c, String why) {
            c.key.cancel();
            c.connection.close();
            recorder.error(why);
        }
    }

    /** One connection: its key, and a preallocated buffer each way. */
    private static final class Conn {
        final ClientConnection connection;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        long sentAt;
        byte tag;

        Conn(ClientConnection connection, int size) {
            this.connection = connection;
            this.out = connection.buffer(size);
            this.in = connection.buffer(size);
            fillPattern(out);
        }
    }

    /**
     * A varied payload, so an echo of the wrong bytes cannot pass by accident (the last byte is checked); byte 0
     * is overwritten by each message's tag.
     */
    public static void fillPattern(ByteBuffer b) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 31 + 7));
        }
    }
}
