package dev.spindle.perf.servers.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes response heads (and small bodies) of {@code dev.spindle.examples.net.HelloHttpServer} into an output buffer, from byte
 * constants; nothing is allocated except the detail text of the errors that close the connection.
 *
 * <p>Every response has a Content-Length, so it never needs the connection closed to mark its end. The
 * greeting is exactly {@code HTTP/1.1 200 OK / Content-Type: text/plain / Content-Length: 13 / Hello, World!}
 * (benchmarks compare servers byte for byte); a {@code Connection} field is added only to say "close" when
 * the server will close, or "keep-alive" to an HTTP/1.0 client that asked for it (without it, that client
 * assumes the connection closes after the response, RFC 9112 §9.3).
 */
final class HttpResponses {
    /** Room that any one response written here needs (the largest is about 250 bytes), with a 100 Continue before it. */
    static final int MAX_SMALL_RESPONSE = 512;

    /** The status lines this server sends. */
    enum Status {
        CONTINUE(100, "Continue"),
        OK(200, "OK"),
        BAD_REQUEST(400, "Bad Request"),
        NOT_FOUND(404, "Not Found"),
        METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
        LENGTH_REQUIRED(411, "Length Required"),
        HEADERS_TOO_LARGE(431, "Request Header Fields Too Large"),
        NOT_IMPLEMENTED(501, "Not Implemented"),
        VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported");

        private final byte[] line;
        private final byte[] reason;

        Status(int code, String reason) {
            // Not through HttpResponses.ascii: that would start the outer class's initialisation, which reads
            // Connection.values(), from inside an enum's initialisation.
            this.line = ("HTTP/1.1 " + code + " " + reason + "\r\n").getBytes(StandardCharsets.US_ASCII);
            this.reason = reason.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** What the response says about the connection. */
    enum Connection {
        /** Nothing: HTTP/1.1 keeps the connection open by default. */
        DEFAULT(""),
        /** The server closes the connection after this response. */
        CLOSE("Connection: close\r\n"),
        /** An HTTP/1.0 client asked to keep the connection open, and it stays open. */
        KEEP_ALIVE("Connection: keep-alive\r\n");

        private final byte[] field;

        Connection(String field) {
            this.field = field.getBytes(StandardCharsets.US_ASCII); // not ascii(): see Status
        }
    }

    private static final byte[] HELLO_BODY = ascii("Hello, World!");
    /** The greeting's head for each {@link Connection}, ready to copy. */
    private static final byte[][] HELLO_HEADS = new byte[Connection.values().length][];

    static {
        for (Connection c : Connection.values()) {
            HELLO_HEADS[c.ordinal()] = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                    + HELLO_BODY.length + "\r\n" + new String(c.field, StandardCharsets.US_ASCII) + "\r\n");
        }
    }

    private static final byte[] CONTINUE = ascii("HTTP/1.1 100 Continue\r\n\r\n");
    private static final byte[] TEXT_PLAIN = ascii("text/plain");
    private static final byte[] OCTET_STREAM = ascii("application/octet-stream");
    private static final byte[] CONTENT_TYPE = ascii("Content-Type: ");
    private static final byte[] CONTENT_LENGTH = ascii("\r\nContent-Length: ");
    private static final byte[] ALLOW = ascii("Allow: ");
    private static final byte[] CRLF = ascii("\r\n");

    private HttpResponses() {
    }

    /** The greeting; without its body for a HEAD request. */
    static void putHello(ByteBuffer out, Connection connection, boolean body) {
        out.put(HELLO_HEADS[connection.ordinal()]);
        if (body) {
            out.put(HELLO_BODY);
        }
    }

    /** The interim response that tells a client sending {@code Expect: 100-continue} to go on with its body. */
    static void putContinue(ByteBuffer out) {
        out.put(CONTINUE);
    }

    /** The head of a 200 whose {@code contentLength} body bytes of {@code application/octet-stream} follow. */
    static void putOctetStreamHead(ByteBuffer out, long contentLength, Connection connection) {
        putHead(out, Status.OK, OCTET_STREAM, contentLength, connection, null);
    }

    /**
     * An error response with a short text body: the reason phrase, then {@code detail} if not null. For a HEAD
     * request ({@code body} false) only the head is sent, with the Content-Length the body would have had.
     *
     * @param allow the Allow field value for a 405 (ASCII), else null
     */
    static void putError(ByteBuffer out, Status status, String detail, Connection connection, byte[] allow,
                         boolean body) {
        byte[] detailBytes = detail == null ? null : ascii(": " + detail);
        int length = status.reason.length + (detailBytes == null ? 0 : detailBytes.length) + 1;
        putHead(out, status, TEXT_PLAIN, length, connection, allow);
        if (body) {
            out.put(status.reason);
            if (detailBytes != null) {
                out.put(detailBytes);
            }
            out.put((byte) '\n');
        }
    }

    private static void putHead(ByteBuffer out, Status status, byte[] contentType, long contentLength,
                                Connection connection, byte[] allow) {
        out.put(status.line).put(CONTENT_TYPE).put(contentType).put(CONTENT_LENGTH);
        putDecimal(out, contentLength);
        out.put(CRLF);
        if (allow != null) {
            out.put(ALLOW).put(allow).put(CRLF);
        }
        out.put(connection.field).put(CRLF);
    }

    /** Writes {@code n >= 0} in decimal. */
    private static void putDecimal(ByteBuffer out, long n) {
        int digits = 1;
        for (long rest = n / 10; rest > 0; rest /= 10) {
            digits++;
        }
        int last = out.position() + digits - 1;
        out.position(last + 1);
        for (int i = last; i > last - digits; i--) {
            out.put(i, (byte) ('0' + n % 10));
            n /= 10;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
