package dev.spindle.tls;

import dev.spindle.Future;
import dev.spindle.Futures;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import dev.spindle.io.AsyncRead;
import dev.spindle.io.AsyncWrite;
import dev.spindle.io.Io;
import dev.spindle.net.TcpListener;
import dev.spindle.net.TcpStream;
import dev.spindle.testkit.WorkerThreads;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/** Certificates, runtimes and stream helpers shared by the TLS tests. */
final class TlsTestSupport {
    /** The server's certificate (localhost, 127.0.0.1); made once per JVM. */
    static final SelfSigned SERVER = SelfSigned.generate("localhost");
    /** A client certificate the server trusts in the client-auth tests. */
    static final SelfSigned CLIENT = SelfSigned.generate("client.test");
    /** A certificate for the same name that nobody trusts. */
    static final SelfSigned IMPOSTOR = SelfSigned.generate("localhost");

    static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private TlsTestSupport() {
    }

    static SpindleRuntime runtime(String prefix) {
        return SpindleRuntime.builder().workers(2).threadNamePrefix(prefix).build();
    }

    /** An acceptor presenting {@link #SERVER} on {@code engine}, limited to {@code protocols} if any are given. */
    static TlsAcceptor acceptor(TlsEngine engine, String... protocols) {
        TlsAcceptor.Builder b = TlsAcceptor.builder(SERVER.serverContext()).engine(engine);
        if (protocols.length > 0) {
            b.protocols(protocols);
        }
        return b.build();
    }

    /** A connector trusting {@link #SERVER} on {@code engine}, limited to {@code protocols} if any are given. */
    static TlsConnector connector(TlsEngine engine, String... protocols) {
        TlsConnector.Builder b = TlsConnector.builder(SERVER.trustContext()).engine(engine);
        if (protocols.length > 0) {
            b.protocols(protocols);
        }
        return b.build();
    }

    /** An SSLContext that presents {@code key} and trusts {@code trusted}. */
    static SSLContext context(SelfSigned key, SelfSigned trusted) throws Exception {
        Certificates.ContextBuilder b = Certificates.contextBuilder();
        if (key != null) {
            b.key(key);
        }
        if (trusted != null) {
            b.trust(trusted);
        }
        return b.build();
    }

    /**
     * The first flight of a client engine of {@code engine} trusting {@link #SERVER}: one ClientHello record,
     * offering {@code protocol} (or the engine's defaults, if null) and naming {@code serverName} (or none).
     */
    static byte[] clientHello(TlsEngine engine, String protocol, String serverName) throws Exception {
        SSLEngine client = Engines.context(engine, SERVER.trustContext()).createSSLEngine();
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        if (protocol != null) {
            p.setProtocols(new String[]{protocol});
        }
        p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        client.setSSLParameters(p);
        client.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), out);
        client.closeOutbound();
        return Arrays.copyOf(out.array(), out.position());
    }

    /** Accepts one TCP connection and runs the TLS handshake on it. */
    static Future<TlsStream<TcpStream>> acceptTls(TcpListener l, TlsAcceptor acceptor) {
        return l.accept().flatMap(acceptor::accept);
    }

    /** Connects to {@code port} on 127.0.0.1 and runs the TLS handshake for "localhost". */
    static Future<TlsStream<TcpStream>> connectTls(int port, TlsConnector connector) {
        return TcpStream.connect(new InetSocketAddress("127.0.0.1", port))
                .flatMap(tcp -> connector.connect("localhost", port, tcp));
    }

    /** Echoes until EOF, then shuts down and closes (closes also if the echo fails); completes with the bytes echoed. */
    static Future<Long> echo(TlsStream<TcpStream> tls) {
        return closing(tls, Io.copy(tls, tls).flatMap(n -> Io.shutdown(tls).map(v -> n)));
    }

    /** The messages of {@code t} and all its causes, one per line, for assertions independent of the nesting. */
    static String causeMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code body}, then {@code c} closed, however {@code body} ends: with a value, failing, or cancelled (the
     * runtime closing). For a task that owns a stream and may fail before it closes it.
     */
    static <T> Future<T> closing(AutoCloseable c, Future<T> body) {
        return new Future<>() {
            @Override
            public Poll<T> poll(dev.spindle.Context cx) {
                Poll<T> p;
                try {
                    p = body.poll(cx);
                } catch (RuntimeException | Error e) {
                    closeQuietly(c);
                    throw e;
                }
                if (p.isReady()) {
                    closeQuietly(c);
                }
                return p;
            }

            @Override
            public void cancel() {
                body.cancel();
                closeQuietly(c);
            }
        };
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // test cleanup
        }
    }

    /** Bytes and CRC32 of a stream. */
    record Digest(long bytes, long crc) {
    }

    /** Deterministic test data: the same seed gives the same bytes, in chunks of any size. */
    static final class Data {
        private final SplittableRandom random;
        private final CRC32 crc = new CRC32();
        private long word;
        private int bytesLeftInWord;

        Data(long seed) {
            random = new SplittableRandom(seed);
        }

        /** The next {@code len} bytes of the stream; independent of how the stream is cut into chunks. */
        void fill(byte[] chunk, int len) {
            for (int i = 0; i < len; i++) {
                if (bytesLeftInWord == 0) {
                    word = random.nextLong();
                    bytesLeftInWord = 8;
                }
                chunk[i] = (byte) word;
                word >>>= 8;
                bytesLeftInWord--;
            }
            crc.update(chunk, 0, len);
        }

        long crc() {
            return crc.getValue();
        }
    }

    /** The digest of {@code bytes} bytes of {@link Data} with {@code seed}. */
    static Digest expected(long seed, long bytes) {
        Data d = new Data(seed);
        byte[] chunk = new byte[64 * 1024];
        for (long left = bytes; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            d.fill(chunk, n);
            left -= n;
        }
        return new Digest(bytes, d.crc());
    }

    /** Writes {@code bytes} bytes of {@link Data} with {@code seed} in {@code chunk}-byte writes. */
    static Future<Digest> writeData(AsyncWrite w, long seed, long bytes, int chunk) {
        Data data = new Data(seed);
        byte[] array = new byte[chunk];
        ByteBuffer buf = ByteBuffer.wrap(array).limit(0);
        long[] left = {bytes};
        return Futures.pollFn(cx -> {
            try {
                for (;;) {
                    if (!buf.hasRemaining()) {
                        if (left[0] == 0) {
                            return w.pollFlush(cx).isPending() ? Poll.pending() : Poll.ready(new Digest(bytes, data.crc()));
                        }
                        int n = (int) Math.min(chunk, left[0]);
                        data.fill(array, n);
                        left[0] -= n;
                        buf.clear().limit(n);
                    }
                    if (w.pollWrite(cx, buf).isPending()) {
                        return Poll.pending();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Reads until EOF (or {@code limit} bytes, if not negative), computing the digest. */
    static Future<Digest> readDigest(AsyncRead r, long limit) {
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        long[] total = {0};
        return Futures.pollFn(cx -> {
            try {
                for (;;) {
                    if (limit >= 0 && total[0] == limit) {
                        return Poll.ready(new Digest(total[0], crc.getValue()));
                    }
                    buf.clear();
                    if (limit >= 0) {
                        buf.limit((int) Math.min(buf.capacity(), limit - total[0]));
                    }
                    Poll<Integer> p = r.pollRead(cx, buf);
                    if (p.isPending()) {
                        return Poll.pending();
                    }
                    if (p.value() < 0) {
                        return Poll.ready(new Digest(total[0], crc.getValue()));
                    }
                    crc.update(buf.array(), 0, p.value());
                    total[0] += p.value();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Blocking: writes {@code bytes} bytes of {@link Data}. */
    static Digest writeData(OutputStream out, long seed, long bytes) throws IOException {
        Data d = new Data(seed);
        byte[] chunk = new byte[16 * 1024];
        for (long left = bytes; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            d.fill(chunk, n);
            out.write(chunk, 0, n);
            left -= n;
        }
        out.flush();
        return new Digest(bytes, d.crc());
    }

    /** Blocking: reads exactly {@code bytes} bytes (or to EOF if negative). */
    static Digest readDigest(InputStream in, long bytes) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        while (bytes < 0 || total < bytes) {
            int n = in.read(buf, 0, bytes < 0 ? buf.length : (int) Math.min(buf.length, bytes - total));
            if (n < 0) {
                break;
            }
            crc.update(buf, 0, n);
            total += n;
        }
        return new Digest(total, crc.getValue());
    }

    /** Reads until EOF into a byte array. */
    static Future<byte[]> readAll(AsyncRead r) {
        return Io.readToEnd(r, 64 * 1024 * 1024);
    }

    /** CPU time of the threads whose name starts with {@code prefix}. */
    static long cpuNanos(String prefix) {
        return WorkerThreads.cpuNanos(prefix);
    }
}
