package dev.spindle.io.testkit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A blocking TLS peer on a raw {@link Socket} that runs its own {@link SSLEngine}, so a test controls every byte
 * on the wire: it can send close_notify followed by more records or garbage, a fatal alert, a record cut short,
 * a KeyUpdate, or keep writing after close_notify on a TCP connection it keeps open, which no TLS socket would do.
 * Only the JDK's own TLS is used, so any module's tests can talk to a Spindle TLS server or client through it.
 * Single-threaded; for tests only.
 */
public final class EnginePeer implements AutoCloseable {
    /** The TCP connection the records travel on. */
    public final Socket socket;
    /** The engine, for a test that inspects the session (peer certificates, protocol). */
    public final SSLEngine engine;
    private final InputStream in;
    private final OutputStream out;
    private ByteBuffer netIn;
    private ByteBuffer appIn;

    private EnginePeer(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.engine = engine;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2).flip();
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2).flip();
    }

    /**
     * Connects to 127.0.0.1:{@code port} and completes the handshake as a client (no host name verification),
     * trusting what {@code trust} trusts; reads time out after 30 s.
     */
    public static EnginePeer connect(SSLContext trust, int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        try {
            socket.setSoTimeout(30_000);
            return client(trust, socket).handshake();
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A client peer (no host name verification) on a connected socket; {@code protocols} empty: the defaults. */
    public static EnginePeer client(SSLContext ctx, Socket s, String... protocols) throws IOException {
        SSLEngine e = ctx.createSSLEngine("localhost", s.getPort());
        e.setUseClientMode(true);
        if (protocols.length > 0) {
            e.setEnabledProtocols(protocols);
        }
        return new EnginePeer(s, e);
    }

    /** A server peer on an accepted socket; {@code protocols} empty: the defaults. */
    public static EnginePeer server(SSLContext ctx, Socket s, String... protocols) throws IOException {
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        if (protocols.length > 0) {
            e.setEnabledProtocols(protocols);
        }
        return new EnginePeer(s, e);
    }

    /** Sends {@code host} as the server name (SNI); before the handshake. */
    public EnginePeer serverName(String host) {
        SSLParameters p = engine.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        engine.setSSLParameters(p);
        return this;
    }

    /**
     * Runs the handshake to its end as {@link #handshake()}, but writes the first flight (a client's
     * ClientHello) {@code chunk} bytes per write, each flushed alone after a 1 ms pause, so that the server
     * reads it in many pieces.
     */
    public EnginePeer handshakeDrippingFirstFlight(int chunk) throws IOException {
        engine.beginHandshake();
        byte[] first = wrap(new byte[0]);
        for (int pos = 0; pos < first.length; pos += chunk) {
            out.write(first, pos, Math.min(chunk, first.length - pos));
            out.flush();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while dripping the first flight");
            }
        }
        return handshake();
    }

    /** Runs the handshake to its end, delegated tasks inline. */
    public EnginePeer handshake() throws IOException {
        engine.beginHandshake();
        for (;;) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> runDelegatedTasks();
                case NEED_WRAP -> send(wrap(new byte[0]));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapOne();
                case FINISHED, NOT_HANDSHAKING -> {
                    return this;
                }
            }
        }
    }

    private void runDelegatedTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    /** The records carrying {@code plain} (not sent). Also returns pending engine output (e.g. alerts). */
    public byte[] wrap(byte[] plain) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(plain);
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
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

    /** The close_notify record (not sent). */
    public byte[] closeNotify() throws SSLException {
        engine.closeOutbound();
        return wrap(new byte[0]);
    }

    /** Writes {@code raw} to the socket as it is. */
    public void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** Reads and unwraps until {@code n} bytes of plaintext arrived. */
    public byte[] readPlain(int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            if (appIn.hasRemaining()) {
                int k = Math.min(appIn.remaining(), n - got.size());
                got.write(appIn.array(), appIn.position(), k);
                appIn.position(appIn.position() + k);
                continue;
            }
            if (unwrapOne() < 0) {
                throw new IOException("EOF after " + got.size() + " of " + n + " bytes");
            }
        }
        return got.toByteArray();
    }

    /**
     * Unwraps one record (reading the socket as needed) and answers what the engine wants to send; returns -1 at
     * EOF or close_notify.
     */
    public int unwrapOne() throws IOException {
        for (;;) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK -> {
                    while (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        runDelegatedTasks();
                    }
                    if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                        send(wrap(new byte[0]));
                    }
                    if (r.bytesConsumed() > 0) {
                        return r.bytesProduced();
                    }
                }
                case CLOSED -> {
                    return -1;
                }
                case BUFFER_OVERFLOW -> throw new IOException("peer appIn too small");
                case BUFFER_UNDERFLOW -> {
                }
            }
            netIn.compact();
            int n;
            try {
                n = in.read(netIn.array(), netIn.position(), netIn.remaining());
            } finally {
                netIn.flip();
            }
            if (n < 0) {
                return -1;
            }
            netIn.limit(netIn.limit() + n);
        }
    }

    /** Reads one whole record off the socket without unwrapping it. */
    public byte[] readRawRecord() throws IOException {
        byte[] header = in.readNBytes(5);
        if (header.length < 5) {
            throw new IOException("EOF before a record");
        }
        int len = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        byte[] body = in.readNBytes(len);
        byte[] record = new byte[5 + len];
        System.arraycopy(header, 0, record, 0, 5);
        System.arraycopy(body, 0, record, 5, body.length);
        return record;
    }

    /** Unwraps {@code record} (throws if the engine rejects it). */
    public void unwrapRaw(byte[] record) throws SSLException {
        engine.unwrap(ByteBuffer.wrap(record), ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
