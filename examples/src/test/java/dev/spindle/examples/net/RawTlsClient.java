package dev.spindle.examples.net;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A TLS client that drives a JDK {@link SSLEngine} by hand over a blocking {@link Socket}, so that a test decides
 * every byte on the wire: it can send close_notify and then keep writing (replayed records, garbage) on a TCP
 * connection it keeps open, which no TLS socket would do. Only what the proxy tests need: the handshake, records
 * made from plaintext, the close_notify record, raw sends. Single-threaded.
 */
final class RawTlsClient implements AutoCloseable {
    final Socket socket;
    private final SSLEngine engine;
    private final InputStream in;
    /** Ciphertext read from the socket and not yet unwrapped, in read mode. */
    private final ByteBuffer netIn;
    /** Plaintext unwrapped during the handshake: none is expected, and none is kept. */
    private final ByteBuffer appIn;

    private RawTlsClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.engine = engine;
        this.in = socket.getInputStream();
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2).flip();
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
    }

    /** Connects to 127.0.0.1:{@code port} and completes the handshake, trusting what {@code trust} trusts. */
    static RawTlsClient connect(SSLContext trust, int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        try {
            socket.setSoTimeout(30_000);
            SSLEngine engine = trust.createSSLEngine("localhost", port);
            engine.setUseClientMode(true);
            RawTlsClient client = new RawTlsClient(socket, engine);
            client.handshake();
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        for (;;) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runDelegatedTasks();
                case NEED_WRAP -> send(wrap(new byte[0]));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapHandshakeRecord();
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
            }
        }
    }

    /** Unwraps what is buffered, reading the socket when the engine needs more. */
    private void unwrapHandshakeRecord() throws IOException {
        for (;;) {
            appIn.clear();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            switch (r.getStatus()) {
                case OK -> {
                    if (r.bytesConsumed() > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
                        return;
                    }
                }
                case BUFFER_UNDERFLOW -> {
                }
                case BUFFER_OVERFLOW, CLOSED -> throw new IOException("handshake unwrap: " + r);
            }
            netIn.compact();
            int n;
            try {
                n = in.read(netIn.array(), netIn.position(), netIn.remaining());
            } finally {
                netIn.flip();
            }
            if (n < 0) {
                throw new IOException("the server closed the connection during the handshake");
            }
            netIn.limit(netIn.limit() + n);
        }
    }

    private void runDelegatedTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    /** The records carrying {@code plain}, not sent. */
    byte[] wrap(byte[] plain) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(plain);
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        do {
            net.clear();
            SSLEngineResult r = engine.wrap(src, net);
            records.write(net.array(), 0, net.position());
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runDelegatedTasks();
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED || (r.bytesProduced() == 0 && !src.hasRemaining())) {
                break;
            }
        } while (src.hasRemaining() || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP);
        return records.toByteArray();
    }

    /** The close_notify record, not sent; the engine makes no more records afterwards. */
    byte[] closeNotify() throws IOException {
        engine.closeOutbound();
        return wrap(new byte[0]);
    }

    void send(byte[] raw) throws IOException {
        socket.getOutputStream().write(raw);
        socket.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
