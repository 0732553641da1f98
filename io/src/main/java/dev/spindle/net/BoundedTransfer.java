package dev.spindle.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Socket reads and writes that hand the JDK at most {@link #MAX_HEAP_TRANSFER} bytes of a heap buffer per system
 * call.
 *
 * <p>Why: {@code SocketChannel} moves a heap buffer through a temporary direct buffer as large as the heap
 * buffer's <em>remaining</em> bytes ({@code sun.nio.ch.IOUtil}), copying all of them before a write that may take
 * a few kilobytes, and keeping that direct buffer cached per thread afterwards. A task writing 64 MiB to a slow
 * reader would copy the whole rest of its buffer on every wake (about 250 ms of CPU per wake on the reference
 * machine: found by {@code TcpTest.aWriterFacingAStalledReaderWaitsWithoutSpinning}) and leave each worker holding
 * a 64 MiB direct buffer. Capping the view given to the JDK makes the copy proportional to what the socket can
 * take. Direct buffers go through whole: the JDK copies nothing for them.
 *
 * <p>The callers' "short transfer" tests compare with {@link #attempt}, the bytes offered to this system call,
 * not with the caller's buffer: a capped write that went through whole did not fill the send buffer. The caller
 * computes it once and passes it in, so a read or write asks it once.
 *
 * <p>Not thread-safe by itself: a stream calls it from the one task that owns that direction.
 */
final class BoundedTransfer {

    /**
     * 128 KiB: the JDK's own socket streams use the same bound for their temporary direct buffers
     * ({@code sun.nio.ch.NioSocketImpl.MAX_BUFFER_SIZE}). It is large against a system call's fixed cost (a few
     * microseconds against some 10 µs of copying) and small against a worker's cache of temporary buffers.
     */
    static final int MAX_HEAP_TRANSFER = 128 * 1024;

    private BoundedTransfer() {
    }

    /** The bytes one system call is offered from {@code buf}: all of a direct buffer, at most the cap of a heap one. */
    static int attempt(ByteBuffer buf) {
        int remaining = buf.remaining();
        return buf.isDirect() ? remaining : Math.min(remaining, MAX_HEAP_TRANSFER);
    }

    /** {@code channel.read(dst)}, offering {@code offered} bytes of room: the caller's {@link #attempt}{@code (dst)}. */
    static int read(SocketChannel channel, ByteBuffer dst, int offered) throws IOException {
        if (offered == dst.remaining()) {
            return channel.read(dst);
        }
        int start = dst.position();
        int n = channel.read(dst.slice(start, offered));
        if (n > 0) {
            dst.position(start + n);
        }
        return n;
    }

    /** {@code channel.write(src)}, offering {@code offered} bytes: the caller's {@link #attempt}{@code (src)}. */
    static int write(SocketChannel channel, ByteBuffer src, int offered) throws IOException {
        if (offered == src.remaining()) {
            return channel.write(src);
        }
        int start = src.position();
        int n = channel.write(src.slice(start, offered));
        src.position(start + n);
        return n;
    }

    /**
     * {@code channel.write(srcs)}, offering at most {@link #MAX_HEAP_TRANSFER} heap bytes in all. The array goes
     * through as it is when its heap buffers hold no more than that (the common case: no allocation); otherwise a
     * view array stops at the cap and the bytes written are given back to the callers' buffers in order.
     */
    static long write(SocketChannel channel, ByteBuffer[] srcs) throws IOException {
        long heapBytes = 0;
        for (ByteBuffer b : srcs) {
            if (!b.isDirect()) {
                heapBytes += b.remaining();
            }
        }
        if (heapBytes <= MAX_HEAP_TRANSFER) {
            return channel.write(srcs);
        }
        // Views start at 0, so each one's position afterwards is what was written from it.
        ByteBuffer[] views = new ByteBuffer[srcs.length];
        int count = 0;
        int heapRoom = MAX_HEAP_TRANSFER;
        for (ByteBuffer b : srcs) {
            if (b.isDirect()) {
                views[count++] = b.slice();
                continue;
            }
            if (heapRoom == 0) {
                break; // later buffers wait for the next call: order is kept
            }
            int take = Math.min(b.remaining(), heapRoom);
            views[count++] = b.slice(b.position(), take);
            heapRoom -= take;
        }
        long n = channel.write(views, 0, count);
        for (int i = 0; i < count; i++) {
            srcs[i].position(srcs[i].position() + views[i].position());
        }
        return n;
    }
}
