package dev.spindle.perf.net;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Drives one new client connection, without blocking, from the connect call through its handshake (TLS; none
 * for plain TCP) to the end of a {@link Probe} exchange. Once the server has answered the probe it has accepted
 * the connection and serves it; for TLS it has also processed the client's Finished, which it must before it can
 * decrypt the probe (in TLS 1.3 the client finishes first, so a finished client handshake alone proves nothing).
 *
 * <p>{@link #start} and each {@link #step} return the {@link SelectionKey} interest the connection now waits for,
 * or 0 once the probe's answer has come; a failure is thrown, with its reason.
 */
public final class Opening {
    private final ClientConnection connection;
    private final ByteBuffer request;
    private final ByteBuffer response;
    private final byte[] expected;
    private boolean connected;
    private boolean handshakeDone;

    public Opening(ClientConnection connection, Probe probe) {
        this.connection = connection;
        this.request = ByteBuffer.wrap(probe.request);
        this.response = ByteBuffer.allocate(probe.response.length);
        this.expected = probe.response;
    }

    public ClientConnection connection() {
        return connection;
    }

    /** Starts connecting to {@code address}. */
    public int start(InetSocketAddress address) throws IOException {
        if (connection.channel().connect(address)) {
            connected = true;
            return step();
        }
        return SelectionKey.OP_CONNECT;
    }

    /** Goes as far as the connection can now. */
    public int step() throws IOException {
        if (!connected) {
            if (!connection.channel().finishConnect()) {
                return SelectionKey.OP_CONNECT;
            }
            connected = true;
        }
        if (!handshakeDone) {
            int want = connection.handshake();
            if (want != 0) {
                return want;
            }
            handshakeDone = true;
        }
        if (!connection.send(request)) {
            return SelectionKey.OP_WRITE;
        }
        if (!connection.receive(response)) {
            throw new EOFException("closed by the server before answering the probe");
        }
        if (response.hasRemaining()) {
            return SelectionKey.OP_READ;
        }
        if (!Arrays.equals(response.array(), expected)) {
            throw new IOException("unexpected probe answer: "
                    + new String(response.array(), StandardCharsets.ISO_8859_1));
        }
        return 0;
    }
}
