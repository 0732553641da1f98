package dev.spindle.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Two engines handshaken in memory (no sockets), for tests that script the transport byte by byte. */
final class MemoryTls {
    final SSLEngine client;
    final SSLEngine server;

    private MemoryTls(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
    }

    static MemoryTls handshake(SSLContext clientCtx, SSLContext serverCtx, String protocol) throws SSLException {
        SSLEngine c = clientCtx.createSSLEngine("localhost", 443);
        c.setUseClientMode(true);
        c.setEnabledProtocols(new String[]{protocol});
        SSLEngine s = serverCtx.createSSLEngine();
        s.setUseClientMode(false);
        s.setEnabledProtocols(new String[]{protocol});
        c.beginHandshake();
        s.beginHandshake();
        MemoryTls m = new MemoryTls(c, s);
        ByteBuffer toServer = ByteBuffer.allocate(0);
        ByteBuffer toClient = ByteBuffer.allocate(0);
        for (int round = 0; round < 100; round++) {
            toServer = append(toServer, m.pump(c));
            toClient = append(toClient, m.pump(s));
            feed(s, toServer);
            feed(c, toClient);
            if (done(c) && done(s) && !toServer.hasRemaining() && !toClient.hasRemaining()) {
                return m;
            }
        }
        throw new IllegalStateException("in-memory handshake did not finish");
    }

    private static ByteBuffer append(ByteBuffer pending, byte[] more) {
        ByteBuffer b = ByteBuffer.allocate(pending.remaining() + more.length);
        b.put(pending).put(more).flip();
        return b;
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable t; (t = e.getDelegatedTask()) != null; ) {
            t.run();
        }
    }

    /** Everything {@code e} wants to send now. */
    private byte[] pump(SSLEngine e) throws SSLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        for (int i = 0; i < 20; i++) {
            runTasks(e);
            if (e.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                break;
            }
            net.clear();
            e.wrap(ByteBuffer.allocate(0), net);
            out.write(net.array(), 0, net.position());
        }
        return out.toByteArray();
    }

    /** Unwraps what {@code e} can take now; leaves the rest (an incomplete record, or input after a NEED_WRAP). */
    private static void feed(SSLEngine e, ByteBuffer in) throws SSLException {
        ByteBuffer app = ByteBuffer.allocate(e.getSession().getApplicationBufferSize() * 2);
        while (in.hasRemaining()) {
            var r = e.unwrap(in, app);
            runTasks(e);
            if (r.bytesConsumed() == 0) {
                return;
            }
        }
    }

    /** Records from the server carrying {@code plain}. */
    byte[] serverWrap(byte[] plain) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(plain);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        do {
            net.clear();
            server.wrap(src, net);
            out.write(net.array(), 0, net.position());
        } while (src.hasRemaining());
        return out.toByteArray();
    }

    /** The server's close_notify record. */
    byte[] serverCloseNotify() throws SSLException {
        server.closeOutbound();
        ByteBuffer net = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        server.wrap(ByteBuffer.allocate(0), net);
        return Arrays.copyOf(net.array(), net.position());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
