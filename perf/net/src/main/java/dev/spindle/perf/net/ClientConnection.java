package dev.spindle.perf.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection of the load generators, over a non-blocking {@link SocketChannel} driven by a selector
 * thread: plain TCP ({@link PlainConnection}) or TLS ({@code dev.spindle.perf.net.tls.TlsConn}). The connector,
 * the echo loop and the handshake load are written once against this, so plain and TLS clients do the same work
 * around the bytes and differ only in what it takes to move them. Nothing here blocks: each call does what it
 * can now.
 */
public interface ClientConnection {
    /** The socket. */
    SocketChannel channel();

    /**
     * Goes on with whatever must happen before data flows (a TLS handshake); returns 0 once it is done, else the
     * {@link SelectionKey} interest it waits for. A plain connection has nothing to do.
     */
    int handshake() throws IOException;

    /**
     * Writes as much of {@code src} (and of anything written earlier and still buffered) as the socket takes.
     *
     * @return true once all of it is on the socket; false if the socket is full (call again once writable)
     */
    boolean send(ByteBuffer src) throws IOException;

    /**
     * Reads what the socket has into {@code dst} until it is full or nothing more is there now.
     *
     * @return false at the end of the stream (for TLS: the server's close_notify)
     */
    boolean receive(ByteBuffer dst) throws IOException;

    /** A buffer of {@code size} bytes of the kind this connection sends from and receives into fastest. */
    ByteBuffer buffer(int size);

    /** Closes the socket; never throws (the connection is being abandoned). */
    void close();
}
