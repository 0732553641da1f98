package dev.spindle.perf.net.tls;

import dev.spindle.perf.net.EchoLoad;
import dev.spindle.perf.net.MeasuredLoad;
import dev.spindle.perf.net.WindowRecorder;
import dev.spindle.perf.servers.tls.BenchTls;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code socket} client of {@link TlsEchoLoad}: the same closed echo loop and checks as {@link EchoLoad}, but
 * written the blocking way, a blocking {@link SSLSocket} per connection, each on its own virtual thread. The
 * carrier count is set to 1 (unless {@code -Djdk.virtualThreadScheduler.parallelism} says otherwise, before
 * any virtual thread starts), so this client too uses at most one core. It is the alternative the default
 * client was measured against (perf/README.md).
 */
final class SocketEchoLoad implements MeasuredLoad {
    private final int size;
    private final List<SSLSocket> sockets = new ArrayList<>();
    private final List<WindowRecorder> recorders = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private String firstFailure;

    /** Opens the connections, one after the other, each with a handshake and a one-byte echo. */
    SocketEchoLoad(TlsClientOptions tls, int connections, int size) {
        this.size = size;
        if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
            System.setProperty("jdk.virtualThreadScheduler.parallelism", "1");
        }
        for (int i = 0; i < connections; i++) {
            SSLSocket s = null;
            try {
                s = (SSLSocket) tls.context().getSocketFactory().createSocket();
                BenchTls.configure(s, tls.protocol());
                s.setTcpNoDelay(true);
                s.connect(tls.address(), 10_000);
                s.setSoTimeout(10_000);
                s.startHandshake();
                s.getOutputStream().write('p');
                if (s.getInputStream().read() != 'p') {
                    throw new IOException("wrong probe answer");
                }
                s.setSoTimeout(0);
                sockets.add(s);
            } catch (IOException e) {
                firstFailure = firstFailure == null ? e.toString() : firstFailure;
                closeQuietly(s);
            }
        }
        if (sockets.size() < connections) {
            System.err.println((connections - sockets.size()) + " of " + connections
                    + " connections failed to open; first: " + firstFailure);
        }
    }

    int opened() {
        return sockets.size();
    }

    /** The first connection's session (protocol and cipher suite), or null if none opened. */
    SSLSession session() {
        return sockets.isEmpty() ? null : sockets.getFirst().getSession();
    }

    @Override
    public void start(long windowStart, long windowEnd) {
        for (SSLSocket s : sockets) {
            WindowRecorder recorder = new WindowRecorder();
            recorder.window(windowStart, windowEnd);
            recorders.add(recorder);
            threads.add(Thread.ofVirtual().start(() -> echo(s, recorder)));
        }
    }

    @Override
    public void finish() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        reportFirstError();
    }

    @Override
    public List<WindowRecorder> recorders() {
        return recorders;
    }

    /** One connection's loop, on its own virtual thread, until the window ends; then it closes the socket. */
    private void echo(SSLSocket socket, WindowRecorder recorder) {
        byte[] out = new byte[size];
        byte[] in = new byte[size];
        EchoLoad.fillPattern(ByteBuffer.wrap(out));
        try (socket) {
            OutputStream o = socket.getOutputStream();
            InputStream i = socket.getInputStream();
            byte tag = 0;
            long sentAt;
            while ((sentAt = System.nanoTime()) < recorder.windowEnd()) {
                out[0] = ++tag;
                o.write(out);
                if (i.readNBytes(in, 0, in.length) != in.length) {
                    recorder.error("closed by the server");
                    return;
                }
                if (in[0] != tag || in[in.length - 1] != out[out.length - 1]) {
                    recorder.error("echo differs from the message sent");
                    return;
                }
                recorder.completed(sentAt, System.nanoTime());
            }
        } catch (IOException e) {
            recorder.error(e.toString());
        }
    }

    private static void closeQuietly(SSLSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already failed: the failure is what gets reported.
            }
        }
    }
}
