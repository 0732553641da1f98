package dev.spindle.tls.it;

import dev.spindle.Context;
import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.tls.TlsAcceptor;
import dev.spindle.tls.TlsStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Spindle TLS server for the peers to connect to: {@link TlsAcceptor} over a {@link TcpListener} on 127.0.0.1,
 * one task per connection, and a {@link Report} per finished connection saying what the server saw (the
 * negotiated parameters, the bytes received and their SHA-256, whether the peer closed with close_notify, or the
 * failure), so a test checks both sides of the connection.
 *
 * <p>Three behaviours ({@link Mode}):
 * <ul>
 *   <li>{@link #echo()}: echo until the peer's end of stream, then close_notify. For peers that end their
 *       sending side themselves (socat, gnutls-cli, s_client at the end of its input).</li>
 *   <li>{@link #echoThenClose(long)}: echo exactly {@code n} bytes, then send close_notify and wait for the
 *       peer's. For peers that never end their sending side on their own ({@code s_client -quiet}, which
 *       ignores the end of its input): our close_notify is what ends the session, and the peer's answer is
 *       checked.</li>
 *   <li>{@link #http()}: a minimal HTTP/1.1 server for curl: reads one request head, answers {@code GET /} with
 *       a text describing the session as the server sees it and {@code GET /bytes/N} with {@code N} bytes of
 *       {@link Payload} (seed {@link #PAYLOAD_SEED}), always {@code Connection: close}; then close_notify.</li>
 * </ul>
 */
final class SpindleTlsServer implements AutoCloseable {
    /** Seed of the bytes that {@code GET /bytes/N} returns. */
    static final long PAYLOAD_SEED = 7;
    /** How much of what the peer sent a report keeps as text (the SHA-256 covers everything). */
    private static final int KEPT_TEXT = 64 * 1024;

    /** What the server does with a connection after the handshake. */
    sealed interface Mode permits Echo, Http {
    }

    private record Echo(long limit) implements Mode {
    }

    private record Http() implements Mode {
    }

    static Mode echo() {
        return new Echo(-1);
    }

    static Mode echoThenClose(long bytes) {
        return new Echo(bytes);
    }

    static Mode http() {
        return new Http();
    }

    /**
     * What the server saw on one connection. The session fields are null if the handshake failed.
     *
     * @param cleanEof the peer's close_notify was read as end of stream (no truncation error)
     * @param failure  what ended the connection abnormally (handshake or I/O), or null
     * @param closeFailure a failure while sending our close_notify after the peer had closed (a peer that
     *                 closes its socket right after its close_notify makes that write fail: not an error of
     *                 ours), or null
     */
    record Report(String protocol, String cipherSuite, Optional<String> sni, Optional<String> alpn,
                  List<X509Certificate> peerCertificates, long receivedBytes, String receivedSha256,
                  String receivedText, boolean cleanEof, Throwable failure, Throwable closeFailure) {

        /** Fails with the whole report unless the connection ended without failure. */
        Report assertOk() {
            if (failure != null) {
                throw new AssertionError("the Spindle server's connection failed: " + this, failure);
            }
            return this;
        }
    }

    private final TcpListener listener;
    private final JoinHandle<Void> acceptLoop;
    private final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();

    private SpindleTlsServer(SpindleRuntime rt, TlsAcceptor acceptor, Mode mode) throws IOException {
        listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0));
        acceptLoop = rt.spawn(Futures.pollFn(cx -> {
            try {
                for (;;) {
                    Poll<TcpStream> p = listener.pollAccept(cx);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    rt.spawn(new Connection(acceptor.accept(p.value()), mode));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    static SpindleTlsServer start(SpindleRuntime rt, TlsAcceptor acceptor, Mode mode) throws IOException {
        return new SpindleTlsServer(rt, acceptor, mode);
    }

    int port() {
        try {
            return listener.localAddress().getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report of the next connection to finish; fails if none does within 30 s. */
    Report next() throws InterruptedException {
        Report r = reports.poll(30, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no connection to the Spindle server finished within 30 s");
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        acceptLoop.abort();
        listener.close();
    }

    /**
     * One connection: handshake, then the mode's exchange, then a report. A failure anywhere ends the
     * connection and is reported, never thrown: the task completes either way.
     */
    private final class Connection implements Future<Void> {
        private static final int HANDSHAKE = 0, EXCHANGE = 1, SHUTDOWN = 2, DRAIN = 3, SHUTDOWN_AFTER_EOF = 4;

        private final Future<TlsStream<TcpStream>> handshake;
        private final Mode mode;
        /** Echo output pending between position and limit; also the read buffer of the other phases. */
        private final ByteBuffer buf = ByteBuffer.allocate(32 * 1024).flip();
        private final MessageDigest sha = sha256();
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private final ByteArrayOutputStream head = new ByteArrayOutputStream(); // HTTP request head
        private TlsStream<TcpStream> tls;
        private Report session; // what the handshake settled, taken before the stream is closed
        private int phase = HANDSHAKE;
        private long received;
        private boolean cleanEof;
        private ByteBuffer response; // HTTP response still to write
        private Throwable closeFailure;

        Connection(Future<TlsStream<TcpStream>> handshake, Mode mode) {
            this.handshake = handshake;
            this.mode = mode;
        }

        @Override
        public Poll<Void> poll(Context cx) {
            try {
                Poll<Void> p = step(cx);
                if (p.isReady()) {
                    finish(null);
                }
                return p;
            } catch (IOException | RuntimeException e) {
                finish(e);
                return Poll.readyNull();
            }
        }

        @Override
        public void cancel() {
            if (phase == HANDSHAKE) {
                handshake.cancel();
            }
            closeQuietly();
        }

        private Poll<Void> step(Context cx) throws IOException {
            for (;;) {
                switch (phase) {
                    case HANDSHAKE -> {
                        Poll<TlsStream<TcpStream>> p = handshake.poll(cx);
                        if (p.isPending()) {
                            return Poll.pending();
                        }
                        tls = p.value();
                        session = new Report(tls.protocol(), tls.cipherSuite(), tls.sniHostName(),
                                tls.applicationProtocol(), tls.peerCertificates(), 0, "", "", false, null, null);
                        phase = EXCHANGE;
                    }
                    case EXCHANGE -> {
                        Poll<Boolean> p = mode instanceof Echo e ? echo(cx, e.limit()) : http(cx);
                        if (p.isPending()) {
                            return Poll.pending();
                        }
                        // true: the peer ended first (EOF seen); false: we end first and then wait for the peer.
                        phase = p.value() ? SHUTDOWN_AFTER_EOF : SHUTDOWN;
                    }
                    case SHUTDOWN -> {
                        if (tls.pollShutdown(cx).isPending()) {
                            return Poll.pending();
                        }
                        phase = DRAIN;
                    }
                    case DRAIN -> {
                        // After our close_notify, read until the peer's: anything else is unexpected but counted.
                        buf.clear();
                        Poll<Integer> p = tls.pollRead(cx, buf);
                        buf.flip();
                        if (p.isPending()) {
                            return Poll.pending();
                        }
                        if (p.value() < 0) {
                            cleanEof = true;
                            return Poll.readyNull();
                        }
                        record(buf);
                        buf.position(buf.limit());
                    }
                    case SHUTDOWN_AFTER_EOF -> {
                        try {
                            if (tls.pollShutdown(cx).isPending()) {
                                return Poll.pending();
                            }
                        } catch (IOException e) {
                            closeFailure = e;
                        }
                        return Poll.readyNull();
                    }
                    default -> throw new IllegalStateException("phase " + phase);
                }
            }
        }

        /** Echoes; Ready(true) at the peer's EOF, Ready(false) once {@code limit} bytes were echoed. */
        private Poll<Boolean> echo(Context cx, long limit) throws IOException {
            for (;;) {
                if (buf.hasRemaining()) {
                    if (tls.pollWrite(cx, buf).isPending()) {
                        return Poll.pending();
                    }
                    continue;
                }
                if (tls.pollFlush(cx).isPending()) {
                    return Poll.pending();
                }
                if (limit >= 0 && received == limit) {
                    return Poll.ready(false);
                }
                buf.clear();
                if (limit >= 0) {
                    buf.limit((int) Math.min(buf.capacity(), limit - received));
                }
                Poll<Integer> p = tls.pollRead(cx, buf);
                buf.flip();
                if (p.isPending()) {
                    return Poll.pending();
                }
                if (p.value() < 0) {
                    cleanEof = true;
                    return Poll.ready(true);
                }
                record(buf);
            }
        }

        /** Reads one request head, writes the response; Ready(false) when it is flushed. */
        private Poll<Boolean> http(Context cx) throws IOException {
            while (response == null) {
                buf.clear();
                Poll<Integer> p = tls.pollRead(cx, buf);
                buf.flip();
                if (p.isPending()) {
                    return Poll.pending();
                }
                if (p.value() < 0) {
                    throw new IOException("end of stream before a whole request head (got "
                            + head.toString(StandardCharsets.ISO_8859_1) + ")");
                }
                record(buf);
                head.write(buf.array(), 0, buf.limit());
                String h = head.toString(StandardCharsets.ISO_8859_1);
                if (h.contains("\r\n\r\n")) {
                    response = ByteBuffer.wrap(respond(h));
                } else if (head.size() > 16 * 1024) {
                    throw new IOException("request head longer than 16 KiB");
                }
            }
            while (response.hasRemaining()) {
                if (tls.pollWrite(cx, response).isPending()) {
                    return Poll.pending();
                }
            }
            return tls.pollFlush(cx).isPending() ? Poll.pending() : Poll.ready(false);
        }

        private byte[] respond(String head) {
            String path = head.substring(0, head.indexOf("\r\n")).split(" ")[1];
            byte[] body;
            if (path.startsWith("/bytes/")) {
                body = Payload.bytes(PAYLOAD_SEED, Integer.parseInt(path.substring("/bytes/".length())));
            } else {
                body = (describe(tls) + "\n").getBytes(StandardCharsets.UTF_8);
            }
            byte[] header = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] out = new byte[header.length + body.length];
            System.arraycopy(header, 0, out, 0, header.length);
            System.arraycopy(body, 0, out, header.length, body.length);
            return out;
        }

        private void record(ByteBuffer data) {
            int n = data.remaining();
            sha.update(data.array(), data.position(), n);
            int keep = Math.min(n, KEPT_TEXT - text.size());
            if (keep > 0) {
                text.write(data.array(), data.position(), keep);
            }
            received += n;
        }

        private void finish(Throwable failure) {
            closeQuietly();
            String hex = HexFormat.of().formatHex(sha.digest());
            Report s = session != null ? session
                    : new Report(null, null, Optional.empty(), Optional.empty(), List.of(), 0, "", "", false, null,
                    null);
            reports.add(new Report(s.protocol(), s.cipherSuite(), s.sni(), s.alpn(), s.peerCertificates(), received,
                    hex, text.toString(StandardCharsets.ISO_8859_1), cleanEof, failure, closeFailure));
        }

        private void closeQuietly() {
            if (tls != null) {
                try {
                    tls.close();
                } catch (IOException ignored) {
                    // the report already says how the connection ended
                }
            }
        }
    }

    /** The session as the server sees it, one {@code key=value} per field, for the HTTP body. */
    static String describe(TlsStream<TcpStream> tls) {
        List<X509Certificate> peer = tls.peerCertificates();
        return "protocol=" + tls.protocol() + " cipher=" + tls.cipherSuite()
                + " sni=" + tls.sniHostName().orElse("none") + " alpn=" + tls.applicationProtocol().orElse("none")
                + " client=" + (peer.isEmpty() ? "none" : peer.getFirst().getSubjectX500Principal().getName());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
