package dev.spindle.tls;

import dev.spindle.JoinHandle;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.Io;
import dev.spindle.io.testkit.EnginePeer;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.spindle.tls.TlsTestSupport.ANY_LOOPBACK;
import static dev.spindle.tls.TlsTestSupport.SERVER;
import static dev.spindle.tls.TlsTestSupport.acceptTls;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Record buffers are lent, not owned: an idle TLS connection holds none, a record cut in half keeps its buffer
 * until the rest arrives, and buffers cycle through the worker's cache instead of being allocated again.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsBuffersTest {
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        rt = TlsTestSupport.runtime("tls-buffers-" + System.nanoTime() + "-");
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @ParameterizedTest
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void aConnectionWaitingForItsPeerHoldsNoBuffersAndAHalfRecordKeepsOne(TlsEngine engine, String protocol)
            throws Exception {
        try (TcpListener l = TcpListener.bind(ANY_LOOPBACK)) {
            JoinHandle<TlsStream<TcpStream>> accepted = rt.spawn(acceptTls(l, TlsTestSupport.acceptor(engine, protocol)));
            Socket raw = new Socket(InetAddress.getLoopbackAddress(), l.localAddress().getPort());
            try (EnginePeer peer = EnginePeer.client(SERVER.trustContext(), raw, protocol).handshake()) {
                TlsStream<TcpStream> server = accepted.join(Duration.ofSeconds(10));
                assertThat(server.heldBufferBytes()).as("after the handshake").isZero();

                // Traffic both ways, then a read that has to wait for the peer.
                byte[] data = new byte[100_000];
                new Random(5).nextBytes(data);
                peer.send(peer.wrap(data));
                ByteBuffer got = ByteBuffer.allocate(data.length);
                rt.blockOn(Io.readExact(server, got));
                assertThat(got.array()).isEqualTo(data);
                rt.blockOn(Io.writeAll(server, ByteBuffer.wrap(data)));
                assertThat(peer.readPlain(data.length)).isEqualTo(data);
                ByteBuffer dst = ByteBuffer.allocate(64 * 1024);
                JoinHandle<Integer> waiting = rt.spawn(Io.read(server, dst));
                Thread.sleep(200); // the read is parked on the socket by now
                assertThat(waiting.isDone()).isFalse();
                assertThat(server.heldBufferBytes()).as("waiting for the peer").isZero();

                // Half a record: the ciphertext must stay buffered until the rest arrives.
                byte[] record = peer.wrap("half and half".getBytes());
                peer.send(Arrays.copyOf(record, record.length / 2));
                await().atMost(Duration.ofSeconds(5)).until(() -> server.heldBufferBytes() > 0);
                assertThat(waiting.isDone()).isFalse();
                peer.send(Arrays.copyOfRange(record, record.length / 2, record.length));
                assertThat(waiting.join(Duration.ofSeconds(5))).isEqualTo("half and half".length());
                assertThat(new String(dst.array(), 0, dst.position())).isEqualTo("half and half");
                assertThat(server.heldBufferBytes()).as("the record used up").isZero();
                server.close();
            }
        }
    }

    @Test
    void buffersCycleThroughTheThreadsCacheAndATooSmallOneIsDropped() {
        RecordBuffers pool = RecordBuffers.PACKETS;
        List<ByteBuffer> drained = new ArrayList<>();
        while (pool.cachedOnThisThread() > 0) {
            drained.add(pool.take(1)); // start from an empty cache
        }
        ByteBuffer a = pool.take(1000);
        assertThat(a.capacity()).isEqualTo(1000);
        assertThat(a.position()).isZero();
        assertThat(a.limit()).as("read mode, empty").isZero();
        a.limit(10).position(3);
        pool.give(a);
        ByteBuffer again = pool.take(1000);
        assertThat(again).as("the same buffer, reset").isSameAs(a);
        assertThat(again.remaining()).isZero();
        pool.give(again);
        assertThat(pool.take(2000)).as("a cached buffer smaller than asked for is not used").isNotSameAs(a)
                .extracting(ByteBuffer::capacity).isEqualTo(2000);
        for (int i = 0; i < RecordBuffers.MAX_CACHED_PER_THREAD + 5; i++) {
            pool.give(ByteBuffer.allocate(10));
        }
        assertThat(pool.cachedOnThisThread()).isEqualTo(RecordBuffers.MAX_CACHED_PER_THREAD);
    }
}
