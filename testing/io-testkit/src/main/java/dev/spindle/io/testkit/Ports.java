package dev.spindle.io.testkit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

/**
 * Socket checks for tests of listeners that close. A closed listener's descriptor is released when the reactor
 * deregisters it, just after {@code close()} returns, so "connections are refused now" cannot be asserted at
 * once: {@link #awaitRefused} polls until it holds, and fails if it never does.
 */
public final class Ports {
    private Ports() {
    }

    /**
     * Returns once a connection to 127.0.0.1:{@code port} is refused (or reset: a connect that reached the
     * backlog just as the descriptor was closed), trying every millisecond.
     *
     * @throws AssertionError if connections were still accepted {@code within} after the call
     */
    public static void awaitRefused(int port, Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        int accepted = 0;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                accepted++; // still listening: the descriptor is not closed yet
            } catch (SocketException refusedOrReset) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("127.0.0.1:" + port + " still accepted connections " + within
                        + " after close() (" + accepted + " accepted)");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for port " + port + " to refuse");
            }
        }
    }
}
