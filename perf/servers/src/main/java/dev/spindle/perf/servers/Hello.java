package dev.spindle.perf.servers;

import java.nio.charset.StandardCharsets;

/**
 * The bytes of the HTTP "hello" shape, shared by the peer servers and the clients that check them. Every HTTP
 * server under test answers {@code GET /} and {@code GET /hello} with exactly {@link #RESPONSE}, so the
 * servers do the same work per request and a client can check a response by comparing bytes.
 */
public final class Hello {
    public static final String BODY = "Hello, World!";
    public static final byte[] BODY_BYTES = BODY.getBytes(StandardCharsets.US_ASCII);

    /** The whole response to {@code GET /} on a keep-alive connection (78 bytes). */
    public static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 13\r\n"
            + "\r\n"
            + BODY).getBytes(StandardCharsets.US_ASCII);

    /** A minimal keep-alive request, the shape of the request wrk sends. */
    public static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Hello() {
    }
}
