package dev.spindle.perf.net.tls;

import dev.spindle.perf.net.ClientConnection;
import dev.spindle.perf.net.Connector;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Supplier;

/**
 * A client {@link SSLEngine} driven over one non-blocking {@link SocketChannel} by a selector thread: the
 * benchmark clients' TLS {@link ClientConnection}. Nothing here blocks; each call does what it can and says what
 * it waits for.
 *
 * <ul>
 *   <li>{@link #handshake()}: drives the handshake; 0 once it is finished and its last flight is written.</li>
 *   <li>{@link #send(ByteBuffer)}: wraps all of the plaintext and writes it; false while the socket is full (call
 *       again when it is writable).</li>
 *   <li>{@link #receive(ByteBuffer)}: reads and unwraps into the buffer until it is full or the socket has nothing
 *       more; false at EOF or close_notify.</li>
 * </ul>
 * Delegated tasks run inline: the client's CPU is the client's. Post-handshake messages (TLS 1.3
 * NewSessionTicket, KeyUpdate) are handled as they come inside {@link #receive}.
 *
 * <p>The engine's buffers ({@link Buffers}) come from the caller, so a client that opens connection after
 * connection (the handshake load, the idle holder) can reuse a few sets and allocate nothing per connection but
 * the engine (see {@link #reusingBuffers}). They are heap buffers, as are the ones {@link #buffer} gives: the JDK
 * engine encrypts and decrypts heap arrays without a copy, and NIO copies them through its cached direct buffer
 * on the way to the socket.
 */
final class TlsConn implements ClientConnection {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /**
     * Steps in one call without progress (or, in a handshake, steps in all) before the engine is declared
     * stuck: a correct engine needs a handful, and a client spinning on a broken one would distort the run.
     */
    private static final int MAX_IDLE_STEPS = 64;

    private final SocketChannel channel;
    final SSLEngine engine;
    private final Buffers buffers;
    /** ciphertext read, not yet unwrapped: [0, position) */
    private final ByteBuffer netIn;
    /** ciphertext wrapped, not yet written: [position, limit) */
    private final ByteBuffer netOut;
    private final ByteBuffer[] dsts = new ByteBuffer[2];

    TlsConn(SocketChannel channel, SSLEngine engine, Buffers buffers) throws SSLException {
        this.channel = channel;
        this.engine = engine;
        this.buffers = buffers;
        buffers.reset();
        this.netIn = buffers.netIn;
        this.netOut = buffers.netOut;
        dsts[1] = buffers.spill;
        engine.beginHandshake();
    }

    /** Connections that each keep buffers of their own, to go on using them after they open. */
    static Connector.Factory<TlsConn> withOwnBuffers(Supplier<SSLEngine> engines) {
        return channel -> {
            SSLEngine engine = engines.get();
            return new TlsConn(channel, engine, new Buffers(engine));
        };
    }

    /**
     * Connections that share {@code sets} sets of buffers round-robin: for a {@link Connector} opening at most
     * {@code sets} connections per batch, where each batch is over before the next starts, so no two live
     * handshakes ever share a set. The connections are then good only for their socket (the idle holder keeps
     * nothing else): their buffers belong to the next batch.
     */
    static Connector.Factory<TlsConn> reusingBuffers(Supplier<SSLEngine> engines, int sets) {
        Buffers[] ring = new Buffers[sets];
        int[] next = {0};
        return channel -> {
            SSLEngine engine = engines.get();
            int i = next[0]++ % sets;
            if (ring[i] == null) {
                ring[i] = new Buffers(engine);
            }
            return new TlsConn(channel, engine, ring[i]);
        };
    }

    /**
     * Per-connection buffers, sized from the engine's session (a whole packet in, a whole packet out: the JDK
     * engine wraps only into a buffer with a packet's room, and a record can be a packet long), reusable by the
     * next connection once this one is done.
     */
    static final class Buffers {
        final ByteBuffer netIn;
        final ByteBuffer netOut;
        /** plaintext beyond what the caller asked for: must stay empty in an echo (see {@link #receive}) */
        final ByteBuffer spill;

        Buffers(SSLEngine sizing) {
            int packet = sizing.getSession().getPacketBufferSize();
            int app = sizing.getSession().getApplicationBufferSize();
            netIn = ByteBuffer.allocate(2 * packet); // room for more than one record per read
            netOut = ByteBuffer.allocate(packet);
            spill = ByteBuffer.allocate(app);
        }

        void reset() {
            netIn.clear();
            netOut.clear().flip(); // empty, in read mode
            spill.clear();
        }
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size);
    }

    /** Writes pending ciphertext; true when none is left. */
    private boolean flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Drives the handshake as far as it can go without blocking. */
    @Override
    public int handshake() throws IOException {
        for (int step = 0; step < MAX_IDLE_STEPS; step++) {
            if (!flush()) {
                return SelectionKey.OP_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(EMPTY);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult r = unwrap(buffers.spill);
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && readSome() == 0) {
                        return SelectionKey.OP_READ;
                    }
                }
                case NEED_TASK -> runTasks();
                case FINISHED, NOT_HANDSHAKING -> {
                    if (buffers.spill.position() > 0) {
                        throw new SSLException("application data from the server during the handshake");
                    }
                    return 0;
                }
            }
        }
        throw new SSLException("the handshake makes no progress: " + engine.getHandshakeStatus());
    }

    /** Wraps all of {@code src} and writes it; false if the socket is full (call again once writable). */
    @Override
    public boolean send(ByteBuffer src) throws IOException {
        for (int idle = 0; idle < MAX_IDLE_STEPS; idle++) {
            if (!flush()) {
                return false;
            }
            if (!src.hasRemaining()) {
                return true;
            }
            if (wrap(src).bytesConsumed() > 0) {
                idle = 0;
            }
        }
        throw new SSLException("wrap makes no progress");
    }

    /**
     * Reads and unwraps into {@code dst} until it is full or the socket has nothing more for now. The caller
     * asks for exactly the bytes it expects (an echo of its own message), so plaintext beyond {@code dst} is
     * an error.
     *
     * @return false at EOF or the server's close_notify
     */
    @Override
    public boolean receive(ByteBuffer dst) throws IOException {
        int idle = 0;
        while (dst.hasRemaining()) {
            SSLEngineResult r = unwrap(dst);
            if (buffers.spill.position() > 0) {
                throw new SSLException("the server sent more bytes than were sent to it");
            }
            switch (r.getStatus()) {
                case CLOSED -> {
                    return false;
                }
                case BUFFER_UNDERFLOW -> {
                    int n = readSome();
                    if (n == 0) {
                        return true;
                    }
                    continue;
                }
                case BUFFER_OVERFLOW -> throw new SSLException("unwrap overflows " + dst.remaining() + " + "
                        + buffers.spill.remaining() + " bytes");
                case OK -> {
                    // progress, or a post-handshake message (ticket, key update) that may want an answer
                }
            }
            switch (r.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> {
                    wrap(EMPTY);
                    flush(); // the rest, if any, goes out before the next message's records
                }
                default -> {
                }
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && ++idle > MAX_IDLE_STEPS) {
                throw new SSLException("unwrap makes no progress");
            }
        }
        return true;
    }

    /** Reads what the socket has into {@code netIn}; the count, 0 if nothing is there. */
    private int readSome() throws IOException {
        if (!netIn.hasRemaining()) {
            throw new SSLException("a record larger than the input buffer (" + netIn.capacity() + " bytes)");
        }
        int n = channel.read(netIn);
        if (n < 0) {
            throw new EOFException("connection closed by the server");
        }
        return n;
    }

    private SSLEngineResult wrap(ByteBuffer src) throws SSLException {
        netOut.compact();
        SSLEngineResult r;
        try {
            r = engine.wrap(src, netOut);
        } finally {
            netOut.flip();
        }
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("the engine is closed");
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("wrap overflows a " + netOut.capacity() + "-byte buffer");
        }
        return r;
    }

    private SSLEngineResult unwrap(ByteBuffer dst) throws SSLException {
        netIn.flip();
        try {
            if (dst == buffers.spill) {
                return engine.unwrap(netIn, dst);
            }
            dsts[0] = dst;
            return engine.unwrap(netIn, dsts);
        } finally {
            netIn.compact();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** Closes the socket without close_notify (the benchmark's connections end with a reset; see the callers). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing more to learn from a connection being abandoned.
        }
    }
}
