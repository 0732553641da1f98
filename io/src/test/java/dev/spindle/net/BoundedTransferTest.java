package dev.spindle.net;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static dev.spindle.net.BoundedTransfer.MAX_HEAP_TRANSFER;
import static org.assertj.core.api.Assertions.assertThat;

/** Heap buffers reach the socket at most {@code MAX_HEAP_TRANSFER} bytes per call, every byte once and in order. */
@Timeout(30)
class BoundedTransferTest {

    private SocketChannel writer;
    private SocketChannel reader;

    @BeforeEach
    void connect() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            writer = SocketChannel.open(server.getLocalAddress());
            reader = server.accept();
        }
    }

    @AfterEach
    void close() throws IOException {
        writer.close();
        reader.close();
    }

    @Test
    void aLargeHeapWriteOffersTheCapAndAdvancesByWhatWasWritten() throws Exception {
        byte[] data = random(4 * MAX_HEAP_TRANSFER + 17);
        CompletableFuture<byte[]> received = drain(data.length);
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            assertThat(BoundedTransfer.attempt(src)).isLessThanOrEqualTo(MAX_HEAP_TRANSFER);
            int before = src.position();
            int n = BoundedTransfer.write(writer, src, BoundedTransfer.attempt(src));
            assertThat(n).isBetween(0, MAX_HEAP_TRANSFER);
            assertThat(src.position()).isEqualTo(before + n);
            assertThat(src.limit()).isEqualTo(data.length);
        }
        assertThat(received.get()).isEqualTo(data);
    }

    @Test
    void aDirectBufferIsOfferedWhole() {
        ByteBuffer direct = ByteBuffer.allocateDirect(4 * MAX_HEAP_TRANSFER);
        assertThat(BoundedTransfer.attempt(direct)).isEqualTo(direct.remaining());
        ByteBuffer heap = ByteBuffer.allocate(100);
        assertThat(BoundedTransfer.attempt(heap)).isEqualTo(100);
    }

    @Test
    void aLargeHeapReadTakesAtMostTheCapIntoTheRightPlace() throws Exception {
        byte[] data = random(3 * MAX_HEAP_TRANSFER);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
                while (src.hasRemaining()) {
                    writer.write(src);
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        ByteBuffer dst = ByteBuffer.allocate(data.length + 10);
        dst.position(10); // a caller's buffer need not start at 0
        while (dst.position() < dst.limit()) {
            int before = dst.position();
            int n = BoundedTransfer.read(reader, dst, BoundedTransfer.attempt(dst));
            assertThat(n).isBetween(1, MAX_HEAP_TRANSFER);
            assertThat(dst.position()).isEqualTo(before + n);
            assertThat(dst.limit()).isEqualTo(data.length + 10);
        }
        sent.get();
        byte[] got = new byte[data.length];
        dst.get(10, got);
        assertThat(got).isEqualTo(data);
    }

    @Test
    void aGatheringWriteCapsTheHeapBytesAndKeepsTheOrder() throws Exception {
        byte[] a = random(MAX_HEAP_TRANSFER - 1000);
        byte[] b = random(5000);
        byte[] c = random(2 * MAX_HEAP_TRANSFER);
        byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        CompletableFuture<byte[]> received = drain(all.length);
        ByteBuffer[] srcs = {ByteBuffer.wrap(a), ByteBuffer.allocateDirect(b.length).put(b).flip(), ByteBuffer.wrap(c)};
        long total = 0;
        while (total < all.length) {
            long heapOffered = Math.min(srcs[0].remaining() + srcs[2].remaining(), MAX_HEAP_TRANSFER);
            long n = BoundedTransfer.write(writer, srcs);
            assertThat(n).isLessThanOrEqualTo(heapOffered + srcs[1].capacity());
            total += n;
            assertThat(srcs[0].position() + srcs[1].position() + srcs[2].position()).isEqualTo(total);
        }
        assertThat(received.get()).isEqualTo(all);
    }

    private CompletableFuture<byte[]> drain(int bytes) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
            ByteBuffer chunk = ByteBuffer.allocate(8192);
            try {
                while (out.size() < bytes) {
                    chunk.clear();
                    int n = reader.read(chunk);
                    if (n < 0) {
                        break;
                    }
                    out.write(chunk.array(), 0, n);
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return out.toByteArray();
        });
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
