package dev.spindle.perf.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A plain TCP {@link ClientConnection}: the socket's own reads and writes. Its buffers are direct, so the JDK
 * passes them to the system calls without copying them through a temporary direct buffer.
 */
public record PlainConnection(SocketChannel channel) implements ClientConnection {

    @Override
    public int handshake() {
        return 0;
    }

    @Override
    public boolean send(ByteBuffer src) throws IOException {
        channel.write(src);
        return !src.hasRemaining();
    }

    @Override
    public boolean receive(ByteBuffer dst) throws IOException {
        return channel.read(dst) >= 0;
    }

    @Override
    public ByteBuffer buffer(int size) {
        return ByteBuffer.allocateDirect(size);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a connection that is being abandoned: nothing more to learn from it.
        }
    }
}
