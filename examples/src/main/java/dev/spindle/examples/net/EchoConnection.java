package dev.spindle.examples.net;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Poll;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.perf.servers.kit.Connections;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One echo connection: read a chunk, write it back in full, read again, until the client's EOF; then
 * half-close (the client reads EOF after the last echoed byte) and close.
 *
 * <h2>States</h2>
 * <pre>
 *   IDLE          buf == null: waiting for bytes; nothing held but the socket
 *   WRITING       buf holds read bytes not yet written back: [position, limit)
 *   SHUTTING_DOWN eof: everything is echoed; the write side is being shut down
 *   DONE          the connection is closed and the buffer returned
 * </pre>
 * A buffer is taken from {@link EchoServer#BUFFERS} just before a read and given back as soon as it is empty
 * and the next read would block, so an idle connection holds no buffer and a busy one allocates nothing.
 *
 * <h2>Why reading stops while a write is pending</h2>
 * While the client is not reading, the server must not buffer without bound, so it stops reading too: TCP
 * flow control then pushes back on the client. This cannot deadlock a client that reads while it writes
 * (every real echo client, and the tests): its reading drains our pending write, after which we read again.
 *
 * <p>A connection reset or any other I/O error ends the connection quietly (logged at DEBUG): for a server,
 * a client that goes away is ordinary. The stream is generic so that tests can drive this state machine
 * with a scripted stream. All fields are owned by the task polling this future.
 *
 * @param <S> the connection's byte stream ({@link dev.spindle.net.TcpStream} in the server)
 */
final class EchoConnection<S extends AsyncRead & AsyncWrite> implements Future<Void> {
    private static final System.Logger LOG = System.getLogger(EchoConnection.class.getPackageName());

    private final S stream;
    private final AutoCloseable connection;
    private ByteBuffer buf;
    private boolean eof;
    private boolean done;

    /**
     * @param stream     where bytes come from and go back to
     * @param connection closed when the echo ends (the socket; usually the stream itself)
     */
    EchoConnection(S stream, AutoCloseable connection) {
        this.stream = stream;
        this.connection = connection;
    }

    @Override
    public Poll<Void> poll(Context cx) {
        if (done) {
            throw new IllegalStateException("echo connection polled after it completed");
        }
        try {
            while (!eof) {
                if (buf != null && buf.hasRemaining()) {
                    if (stream.pollWrite(cx, buf).isPending()) {
                        return Poll.pending(); // the stream holds our waker until it has room again
                    }
                    continue;
                }
                if (buf == null) {
                    buf = EchoServer.BUFFERS.take();
                }
                buf.clear();
                Poll<Integer> read = stream.pollRead(cx, buf);
                buf.flip();
                if (read.isPending()) {
                    releaseBuffer(); // idle: nothing in flight, so hold nothing
                    return Poll.pending();
                }
                if (read.value() < 0) {
                    releaseBuffer();
                    eof = true;
                }
            }
            if (stream.pollShutdown(cx).isPending()) {
                return Poll.pending();
            }
            finish(); // the client reads EOF after the last echoed byte
            return Poll.readyNull();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "echo connection " + connection + " ended: " + e.getMessage());
            finish();
            return Poll.readyNull();
        }
    }

    private void releaseBuffer() {
        if (buf != null) {
            EchoServer.BUFFERS.give(buf);
            buf = null;
        }
    }

    private void finish() {
        done = true;
        releaseBuffer();
        Connections.closeQuietly(connection);
    }

    /** The runtime is closing (or the task was aborted): give the buffer back and close the connection. */
    @Override
    public void cancel() {
        finish();
    }
}
