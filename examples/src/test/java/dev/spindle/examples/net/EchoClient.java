package dev.spindle.examples.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * A blocking client that checks an echo server byte for byte, shared by the tests of the plain echo server, the
 * relay in front of it and the TLS echo server: a writer thread sends seeded random data while the calling
 * thread reads the echo back at the same time, so a server that stops reading while its writes are blocked (or
 * the other way round) deadlocks the check instead of passing it.
 */
final class EchoClient {
    /** How the client ends once it has sent everything. */
    enum Ending {
        /**
         * Half-closes after the last byte and reads until the server's EOF: passes only if the server echoes
         * everything and then half-closes too.
         */
        HALF_CLOSE,
        /**
         * Reads exactly as many bytes as it sent, then closes. For TLS, where a half-close is a close_notify,
         * which BoringSSL takes as the end of both directions.
         */
        READ_ALL
    }

    /** One client's exchange, by its index; returns null if the echo matched, else what went wrong. */
    @FunctionalInterface
    interface Exchange {
        String run(int client) throws Exception;
    }

    private EchoClient() {
    }

    /** {@link #echoChecked(Socket, int, long, Ending)} over a new plain connection to 127.0.0.1:{@code port}. */
    static String echoChecked(int port, int bytes, long seed) throws Exception {
        return echoChecked(new Socket("127.0.0.1", port), bytes, seed, Ending.HALF_CLOSE);
    }

    /**
     * Sends {@code bytes} bytes of data seeded by {@code seed} over {@code socket} (connected, and closed here)
     * while reading the echo; returns null if it matched, else what went wrong.
     */
    static String echoChecked(Socket socket, int bytes, long seed, Ending ending) throws Exception {
        try (Socket s = socket) {
            s.setSoTimeout(30_000);
            CRC32 sent = new CRC32();
            Thread writer = Thread.ofPlatform().start(() -> {
                Random random = new Random(seed);
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    for (int left = bytes; left > 0; left -= chunk.length) {
                        int n = Math.min(left, chunk.length);
                        random.nextBytes(chunk);
                        sent.update(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                    out.flush();
                    if (ending == Ending.HALF_CLOSE) {
                        s.shutdownOutput();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            CRC32 received = new CRC32();
            long total = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long wanted = ending == Ending.HALF_CLOSE ? Long.MAX_VALUE : bytes;
            for (int n; total < wanted && (n = in.read(buf, 0, (int) Math.min(buf.length, wanted - total))) >= 0; ) {
                received.update(buf, 0, n);
                total += n;
            }
            writer.join();
            if (total != bytes || received.getValue() != sent.getValue()) {
                return "seed " + seed + ": got " + total + " of " + bytes + " bytes, checksums "
                        + Long.toHexString(received.getValue()) + " vs " + Long.toHexString(sent.getValue());
            }
            return null;
        }
    }

    /** Runs {@code clients} exchanges at once, each on its own thread; returns what went wrong, if anything. */
    static List<String> concurrently(int clients, Exchange exchange) throws InterruptedException {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    String failure = exchange.run(client);
                    if (failure != null) {
                        failures.add(failure);
                    }
                } catch (Exception e) {
                    failures.add("client " + client + ": " + e);
                }
            }));
        }
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(50))) {
                failures.add(t + " did not finish within 50 s");
            }
        }
        return failures;
    }
}
