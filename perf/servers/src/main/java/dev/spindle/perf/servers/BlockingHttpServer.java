package dev.spindle.perf.servers;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The blocking peer of Spindle's HTTP/1.1 keep-alive "hello" server: a {@link ServerSocket}, one virtual thread
 * per connection (the acceptor is a virtual thread too, see {@link BlockingServers}), buffered streams.
 *
 * <p>Per connection the thread reads request heads through a {@link BufferedInputStream} (8 KiB), answers each
 * into a {@link BufferedOutputStream} and flushes only when no further request is already buffered: one write
 * system call per batch of pipelined requests, one per request for wrk (which does not pipeline). It parses just
 * enough HTTP/1.1 for the shape: the request line, {@code Connection} (close / keep-alive, with HTTP/1.0's
 * default of close) and {@code Content-Length} (a body is skipped); a {@code Transfer-Encoding} body, which a
 * hello server has no use for, gets 501 and the connection is closed. {@code GET /} and {@code GET /hello} get
 * exactly {@link Hello#RESPONSE}; other paths 404 and other methods 405, both with an empty body.
 *
 * <p>Headers are compared as bytes, never turned into strings: an allocation per header line would be a handicap
 * no competent server written this way carries.
 */
public final class BlockingHttpServer {
    private static final int BUFFER = 8192;
    /** The longest request line or header line accepted; a longer one closes the connection. */
    private static final int MAX_LINE = 8192;

    private static final byte[] GET = ascii("GET ");
    private static final byte[] VERSION_1_1 = ascii("HTTP/1.1");
    private static final byte[] VERSION_1_0 = ascii("HTTP/1.0");
    private static final byte[] PATH_ROOT = ascii("/");
    private static final byte[] PATH_HELLO = ascii("/hello");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private static final byte[] OK_CLOSE = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 13\r\nConnection: close\r\n\r\n" + Hello.BODY);
    private static final byte[] OK_KEEP_ALIVE_1_0 = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 13\r\nConnection: keep-alive\r\n\r\n" + Hello.BODY);
    private static final byte[] NOT_FOUND = ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] NOT_ALLOWED = ascii("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] NOT_IMPLEMENTED = ascii("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n");

    private BlockingHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        BlockingServers.serve(ServerOptions.parse(args, "BlockingHttpServer"), new ServerSocket(),
                BlockingHttpServer::serve);
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            RequestInput in = new RequestInput(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), BUFFER);
            byte[] line = new byte[MAX_LINE];
            while (true) {
                int n = readLine(in, line);
                if (n < 0) {
                    break; // EOF between requests: the client is done
                }
                if (n == 0) {
                    continue; // RFC 9112 2.2: ignore empty lines before a request line
                }
                // Request line: METHOD SP TARGET SP VERSION
                int sp1 = indexOf(line, 0, n, (byte) ' ');
                int sp2 = sp1 < 0 ? -1 : indexOf(line, sp1 + 1, n, (byte) ' ');
                if (sp2 < 0) {
                    break; // not HTTP: drop the connection
                }
                boolean http10 = regionEquals(line, sp2 + 1, n, VERSION_1_0);
                if (!http10 && !regionEquals(line, sp2 + 1, n, VERSION_1_1)) {
                    break;
                }
                boolean get = startsWith(line, n, GET);
                boolean hello = regionEquals(line, sp1 + 1, sp2, PATH_ROOT)
                        || regionEquals(line, sp1 + 1, sp2, PATH_HELLO);
                boolean keepAlive = !http10;
                long contentLength = 0;
                boolean chunked = false;
                while ((n = readLine(in, line)) > 0) {
                    int colon = indexOf(line, 0, n, (byte) ':');
                    if (colon < 0) {
                        continue;
                    }
                    if (nameIs(line, colon, CONNECTION)) {
                        if (valueContains(line, colon + 1, n, CLOSE)) {
                            keepAlive = false;
                        } else if (valueContains(line, colon + 1, n, KEEP_ALIVE)) {
                            keepAlive = true;
                        }
                    } else if (nameIs(line, colon, CONTENT_LENGTH)) {
                        contentLength = parseLong(line, colon + 1, n);
                    } else if (nameIs(line, colon, TRANSFER_ENCODING)) {
                        chunked = true;
                    }
                }
                if (n < 0) {
                    break; // EOF inside a request head
                }
                if (chunked || contentLength < 0) {
                    out.write(NOT_IMPLEMENTED);
                    out.flush();
                    break;
                }
                in.skipNBytes(contentLength);
                if (!get) {
                    out.write(NOT_ALLOWED);
                } else if (!hello) {
                    out.write(NOT_FOUND);
                } else if (!keepAlive) {
                    out.write(OK_CLOSE);
                } else {
                    out.write(http10 ? OK_KEEP_ALIVE_1_0 : Hello.RESPONSE);
                }
                if (!keepAlive) {
                    out.flush();
                    break;
                }
                if (!in.hasBuffered()) {
                    out.flush(); // nothing pipelined behind this request: send the batch
                }
            }
            out.flush();
        } catch (IOException e) {
            // Reset by the client, or a malformed request: the connection just ends.
        }
    }

    /**
     * Reads one CRLF- (or LF-) terminated line into {@code line}, without the terminator; returns its length,
     * or -1 at EOF before the first byte.
     */
    private static int readLine(InputStream in, byte[] line) throws IOException {
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (n == 0) {
                    return -1;
                }
                throw new EOFException("EOF inside a line");
            }
            if (b == '\n') {
                return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
            }
            if (n == line.length) {
                throw new IOException("line longer than " + line.length + " bytes");
            }
            line[n++] = (byte) b;
        }
    }

    private static int indexOf(byte[] a, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] a, int n, byte[] prefix) {
        return n >= prefix.length && regionEquals(a, 0, prefix.length, prefix);
    }

    private static boolean regionEquals(byte[] a, int from, int to, byte[] expected) {
        if (to - from != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (a[from + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the header name {@code a[0, colon)} is {@code lowerName}, ignoring ASCII case. */
    private static boolean nameIs(byte[] a, int colon, byte[] lowerName) {
        if (colon != lowerName.length) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            if (lower(a[i]) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the header value {@code a[from, to)} contains the token {@code lowerToken}, ignoring case. */
    private static boolean valueContains(byte[] a, int from, int to, byte[] lowerToken) {
        outer:
        for (int i = from; i + lowerToken.length <= to; i++) {
            for (int j = 0; j < lowerToken.length; j++) {
                if (lower(a[i + j]) != lowerToken[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The decimal in {@code a[from, to)} between optional spaces, or -1 if it is not one. */
    private static long parseLong(byte[] a, int from, int to) {
        while (from < to && (a[from] == ' ' || a[from] == '\t')) {
            from++;
        }
        while (to > from && (a[to - 1] == ' ' || a[to - 1] == '\t')) {
            to--;
        }
        if (from == to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = a[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A {@link BufferedInputStream} that can tell whether request bytes are already buffered, without the
     * {@code available()} system call (on a socket, {@code available()} asks the kernel every time).
     */
    private static final class RequestInput extends BufferedInputStream {
        RequestInput(InputStream in) {
            super(in, BUFFER);
        }

        synchronized boolean hasBuffered() {
            return pos < count;
        }
    }
}
