package dev.spindle.perf.servers.http;

import dev.spindle.perf.servers.http.HttpRequestParser.Method;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The routes of {@code dev.spindle.examples.net.HelloHttpServer}, matched on the path bytes where they lie in the read buffer (no
 * string is made). Paths match exactly: no trailing slash, no percent-decoding.
 */
enum HttpRoute {
    /** {@code GET|HEAD /} and {@code GET|HEAD /hello}: the fixed greeting. */
    HELLO("GET, HEAD"),
    /** {@code POST /echo}: the request body, streamed back. */
    ECHO("POST"),
    /** {@code GET|HEAD /bytes/{n}}: n bytes of {@link BytePattern#at(long)}. */
    BYTES("GET, HEAD"),
    NOT_FOUND("");

    /** The largest n of {@code /bytes/{n}}: 1 GiB. */
    static final long MAX_BYTES = 1L << 30;

    private static final byte[] ROOT = ascii("/");
    private static final byte[] HELLO_PATH = ascii("/hello");
    private static final byte[] ECHO_PATH = ascii("/echo");
    private static final byte[] BYTES_PREFIX = ascii("/bytes/");

    private final byte[] allow;

    HttpRoute(String allow) {
        this.allow = ascii(allow);
    }

    /** The Allow field value of a 405 on this route (ASCII). */
    byte[] allow() {
        return allow;
    }

    /** Whether {@code method} is served on this route. */
    boolean allows(Method method) {
        return switch (this) {
            case HELLO, BYTES -> method == Method.GET || method == Method.HEAD;
            case ECHO -> method == Method.POST;
            case NOT_FOUND -> false;
        };
    }

    /** The route of the path {@code [from, to)} of {@code b}; an empty path is the root. */
    static HttpRoute match(ByteBuffer b, int from, int to) {
        if (from == to || equals(b, from, to, ROOT) || equals(b, from, to, HELLO_PATH)) {
            return HELLO;
        }
        if (equals(b, from, to, ECHO_PATH)) {
            return ECHO;
        }
        if (to - from > BYTES_PREFIX.length && equals(b, from, from + BYTES_PREFIX.length, BYTES_PREFIX)
                && count(b, from, to) >= 0) {
            return BYTES;
        }
        return NOT_FOUND;
    }

    /**
     * For a {@link #BYTES} path: the n it asks for, or some number above {@link #MAX_BYTES} if it asks for
     * more (however many digits); -1 if what follows {@code /bytes/} is not a decimal number.
     */
    static long count(ByteBuffer b, int from, int to) {
        int digitsFrom = from + BYTES_PREFIX.length;
        if (to - digitsFrom < 1) {
            return -1;
        }
        long n = 0;
        for (int i = digitsFrom; i < to; i++) {
            int d = b.get(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            if (n <= MAX_BYTES) { // past that the answer is "too many" whatever follows; stopping avoids overflow
                n = n * 10 + d;
            }
        }
        return n;
    }

    private static boolean equals(ByteBuffer b, int from, int to, byte[] word) {
        if (to - from != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (b.get(from + i) != word[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
