package dev.spindle.tls;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spindle.tls.TlsTestSupport.SERVER;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link EngineDriver} alone: two drivers over two engines, the ciphertext moved between them by hand, no
 * transport, no task context. Every engine, both protocol versions.
 */
@Timeout(value = 30, unit = SECONDS)
class EngineDriverTest {

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void handshakeAndDataInMemory(TlsEngine engine, String protocol) throws Exception {
        EngineDriver client = driver(engine, protocol, true);
        EngineDriver server = driver(engine, protocol, false);
        handshake(client, server);
        assertThat(client.engine().getSession().getProtocol()).isEqualTo(protocol);
        assertThat(client.recordTypesHidden()).isEqualTo("TLSv1.3".equals(protocol));

        byte[] hello = "hello over two drivers".getBytes(StandardCharsets.US_ASCII);
        wrapAll(client, hello);
        transfer(client, server);
        assertThat(readAll(server, 64)).isEqualTo(hello);

        wrapAll(server, hello);
        transfer(server, client);
        assertThat(readAll(client, 64)).isEqualTo(hello);
    }

    /**
     * Records unwrapped without being read pile up in appIn: the driver grows it, nothing is lost. The JDK's
     * engine only: the stream unwraps into a partly filled appIn only when a writer unwraps for a TLS 1.2
     * renegotiation, which BoringSSL refuses, and BoringSSL keeps a record it could not hand over inside itself
     * (the bytes leave netIn), which this in-memory exchange, unwrapping only while ciphertext is there, would
     * read as lost.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void bufferOverflowGrowsThePlaintextBuffer(String protocol) throws Exception {
        TlsEngine engine = TlsEngine.JDK;
        // A fresh thread: its buffer cache is empty, so appIn starts at one application buffer exactly.
        onFreshThread(() -> {
            EngineDriver client = driver(engine, protocol, true);
            EngineDriver server = driver(engine, protocol, false);
            handshake(client, server);
            byte[] data = new byte[3 * 16384];
            new Random(7).nextBytes(data);
            List<EngineDriver.Inbound> outcomes = new ArrayList<>();
            ByteBuffer src = ByteBuffer.wrap(data);
            while (src.hasRemaining() || client.hasOutbound()) {
                while (src.hasRemaining() && client.makeRoomForRecord()) {
                    client.wrap(new ByteBuffer[] {src});
                }
                transfer(client, server);
                for (EngineDriver.Inbound in; server.inboundBytes() > 0
                        && (in = server.unwrap(null)) != EngineDriver.Inbound.NEED_INPUT; ) {
                    outcomes.add(in); // unwrap(null): everything stays in appIn, nobody reads it
                }
            }
            assertThat(outcomes).as("appIn ran out of room and grew").contains(EngineDriver.Inbound.AGAIN);
            assertThat(server.heldBufferBytes()).isGreaterThanOrEqualTo(data.length);
            assertThat(readAll(server, 1000)).isEqualTo(data);
            return null;
        });
    }

    /** Half a record: the driver asks for more and keeps what it has; the rest completes it. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void bufferUnderflowWaitsForTheRestOfARecord(TlsEngine engine, String protocol) throws Exception {
        EngineDriver client = driver(engine, protocol, true);
        EngineDriver server = driver(engine, protocol, false);
        handshake(client, server);
        byte[] data = new byte[1000];
        new Random(11).nextBytes(data);
        wrapAll(client, data);
        drainPostHandshake(server); // TLS 1.3 tickets are unwrapped first; the record under test comes alone

        ByteBuffer record = client.outbound();
        int whole = record.remaining();
        transfer(client, server, 10);
        ByteBuffer dst = ByteBuffer.allocate(2000);
        assertThat(server.unwrap(dst)).isEqualTo(EngineDriver.Inbound.NEED_INPUT);
        assertThat(dst.position()).isZero();
        assertThat(server.inboundBytes()).as("the partial record is kept").isEqualTo(10);

        transfer(client, server, whole - 10);
        assertThat(server.unwrap(dst)).isEqualTo(EngineDriver.Inbound.PROGRESS);
        assertThat(dst.flip().remaining()).isEqualTo(data.length);
        byte[] got = new byte[data.length];
        dst.get(got);
        assertThat(got).isEqualTo(data);
    }

    /** close_notify ends input, and whatever follows it in the same read is dropped, never unwrapped. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void closeNotifyEndsInputAndDropsWhatFollows(TlsEngine engine, String protocol) throws Exception {
        EngineDriver client = driver(engine, protocol, true);
        EngineDriver server = driver(engine, protocol, false);
        handshake(client, server);
        drainPostHandshake(server);
        byte[] data = "last words".getBytes(StandardCharsets.US_ASCII);
        wrapAll(client, data);
        client.engine().closeOutbound();
        while (client.makeRoomForRecord() && client.wrapEngineOutput().bytesProduced() > 0) {
            // the close_notify record (and nothing after it)
        }
        transfer(client, server);
        ByteBuffer garbage = server.inboundToFill();
        garbage.put(new byte[] {23, 3, 3, 0, 5, 1, 2, 3, 4, 5}); // a record nobody may unwrap
        server.inboundFilled();

        ByteBuffer dst = ByteBuffer.allocate(100);
        List<EngineDriver.Inbound> outcomes = new ArrayList<>();
        for (int i = 0; i < 10 && server.inboundBytes() > 0; i++) {
            EngineDriver.Inbound in = server.unwrap(dst);
            outcomes.add(in);
            if (in == EngineDriver.Inbound.PROGRESS && "TLSv1.2".equals(protocol)) {
                assertThat(server.controlRecordMayFollow()).as("an alert record is next, in clear").isTrue();
            }
        }
        assertThat(outcomes).endsWith(EngineDriver.Inbound.CLOSE_NOTIFY);
        assertThat(server.inboundBytes()).as("bytes after close_notify").isZero();
        assertThat(server.engine().isInboundDone()).isTrue();
        assertThat(new String(dst.array(), 0, dst.position(), StandardCharsets.US_ASCII)).isEqualTo("last words");
    }

    /** Garbage where a record should be: a failure, the engine's alert queued for the peer. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.spindle.tls.Engines#withProtocols")
    void aBadRecordFailsWithAnAlertToSend(TlsEngine engine, String protocol) throws Exception {
        EngineDriver client = driver(engine, protocol, true);
        EngineDriver server = driver(engine, protocol, false);
        handshake(client, server);
        drainPostHandshake(server);
        ByteBuffer in = server.inboundToFill();
        in.put(new byte[] {23, 3, 3, 0, 40}).put(new byte[40]); // application data that does not decrypt
        server.inboundFilled();

        assertThatThrownBy(() -> server.unwrap(ByteBuffer.allocate(100)))
                .isInstanceOfSatisfying(EngineDriver.EngineFailure.class, f -> {
                    assertThat(f.error()).isNotNull();
                    assertThat(f.alertQueued()).isTrue();
                });
        assertThat(server.wrapQueuedQuietly()).as("the alert is wrapped for sending").isTrue();
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static EngineDriver driver(TlsEngine engine, String protocol, boolean client) throws Exception {
        SSLContext ctx = Engines.context(engine, client ? SERVER.trustContext() : SERVER.serverContext());
        SSLEngine e = client ? ctx.createSSLEngine("localhost", 443) : ctx.createSSLEngine();
        e.setUseClientMode(client);
        e.setEnabledProtocols(new String[] {protocol});
        e.beginHandshake();
        EngineDriver d = new EngineDriver(e);
        d.takeBuffers();
        return d;
    }

    /** Both sides step until neither is handshaking and nothing is in flight. */
    private static void handshake(EngineDriver client, EngineDriver server) throws Exception {
        for (int round = 0; round < 200; round++) {
            step(client);
            step(server);
            transfer(client, server);
            transfer(server, client);
            if (done(client) && done(server) && !client.hasOutbound() && !server.hasOutbound()) {
                client.handshakeFinished();
                server.handshakeFinished();
                return;
            }
        }
        throw new AssertionError("in-memory handshake did not finish: client " + client.handshakeStatus()
                + ", server " + server.handshakeStatus());
    }

    private static boolean done(EngineDriver d) {
        HandshakeStatus hs = d.handshakeStatus();
        return hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED;
    }

    /** One handshake step, as the stream takes it: tasks inline here, wrap, or unwrap what has arrived. */
    private static void step(EngineDriver d) throws Exception {
        for (int i = 0; i < 20; i++) {
            switch (d.handshakeStatus()) {
                case NEED_TASK -> {
                    for (Runnable t; (t = d.engine().getDelegatedTask()) != null; ) {
                        t.run();
                    }
                }
                case NEED_WRAP -> {
                    if (!d.makeRoomForRecord()) {
                        return;
                    }
                    d.wrapEngineOutput();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (d.inboundBytes() == 0 || d.unwrap(null) == EngineDriver.Inbound.NEED_INPUT) {
                        return;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** Unwraps what is there (post-handshake messages such as TLS 1.3 tickets); no plaintext expected. */
    private static void drainPostHandshake(EngineDriver d) throws Exception {
        while (d.inboundBytes() > 0 && d.unwrap(null) != EngineDriver.Inbound.NEED_INPUT) {
            step(d);
        }
        assertThat(d.hasPlaintext()).isFalse();
    }

    private static void wrapAll(EngineDriver d, byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            assertThat(d.makeRoomForRecord()).as("room for a record").isTrue();
            d.wrap(new ByteBuffer[] {src});
        }
    }

    /** Moves every wrapped byte of {@code from} into {@code to}'s inbound buffer. */
    private static void transfer(EngineDriver from, EngineDriver to) {
        transfer(from, to, from.outbound().remaining());
    }

    private static void transfer(EngineDriver from, EngineDriver to, int n) {
        ByteBuffer out = from.outbound();
        ByteBuffer in = to.inboundToFill();
        int moved = Math.min(n, Math.min(out.remaining(), in.remaining()));
        in.put(out.slice(out.position(), moved));
        out.position(out.position() + moved);
        to.inboundFilled();
    }

    /** Unwraps everything that arrived and reads it through a {@code chunk}-byte buffer. */
    private static byte[] readAll(EngineDriver d, int chunk) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(chunk);
        for (int i = 0; i < 10_000; i++) {
            dst.clear();
            if (d.hasPlaintext()) {
                d.drainPlaintext(dst);
            } else if (d.inboundBytes() == 0 || d.unwrap(dst) == EngineDriver.Inbound.NEED_INPUT) {
                step(d);
                if (d.inboundBytes() == 0 && !d.hasPlaintext()) {
                    got.write(dst.array(), 0, dst.position());
                    return got.toByteArray();
                }
            }
            got.write(dst.array(), 0, dst.position());
        }
        throw new AssertionError("readAll did not finish");
    }

    private static <T> T onFreshThread(Callable<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() instanceof Exception e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
        return result.get();
    }
}
