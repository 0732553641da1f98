package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.http.BytePattern;
import dev.spindle.perf.servers.http.HttpConnection;
import dev.spindle.perf.servers.kit.ServerCli;
import dev.spindle.perf.servers.kit.ServerHandle;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A small, strict HTTP/1.1 server, the target of the HTTP benchmarks and a worked example of a protocol
 * state machine on Spindle.
 *
 * <h2>Routes</h2>
 * <ul>
 *   <li>{@code GET /} and {@code GET /hello}: {@code 200}, {@code Content-Type: text/plain},
 *       {@code Content-Length: 13}, {@code Hello, World!}; exactly these header fields in this order, so
 *       that benchmarks compare servers sending identical bytes.</li>
 *   <li>{@code POST /echo}: {@code 200} with the request body as the response body (same Content-Length),
 *       streamed through one fixed buffer as it arrives, so a body of any size costs no more memory.</li>
 *   <li>{@code GET /bytes/{n}}: {@code 200} with n bytes (0 ≤ n ≤ 1 GiB) of {@link #patternByte(long)},
 *       written straight from a shared table.</li>
 *   <li>HEAD is served wherever GET is. Another method on a route is {@code 405} (with Allow); another
 *       path is {@code 404}.</li>
 * </ul>
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li>Persistent connections: HTTP/1.1 keeps the connection unless a request says {@code Connection: close};
 *       HTTP/1.0 closes unless it says {@code Connection: keep-alive}. When the server closes, the response
 *       says {@code Connection: close}.</li>
 *   <li>Pipelining: every complete request already received is answered, in order, and the responses of
 *       such a batch go out in one write.</li>
 *   <li>Request bodies are framed by Content-Length; bodies of requests that do not use them are read and
 *       dropped, keeping the connection usable. {@code Expect: 100-continue} is answered with
 *       {@code 100 Continue}.</li>
 *   <li><b>Chunked request bodies are not supported</b>: a request with {@code Transfer-Encoding: chunked} gets
 *       {@code 411 Length Required} saying to send Content-Length, and the connection is closed (without
 *       decoding the chunks there is no telling where the next request starts). Other transfer codings get
 *       {@code 501}. Responses never use chunking: their length is always known.</li>
 *   <li>Limits: a request line plus header fields over 8 KiB gets {@code 431}; a malformed request line or
 *       header field (see {@code dev.spindle.perf.servers.http.HttpRequestParser}), or an HTTP/1.1 request without exactly one Host field,
 *       gets {@code 400}; an HTTP major version other than 1 gets {@code 505}; each of them closes the
 *       connection. Header names are case-insensitive; bare LF
 *       line ends are accepted.</li>
 *   <li>Closing: after the last response the server shuts down its write side and reads (and drops) what
 *       the client still sends for up to 2 s, so that the response is not destroyed by a reset.</li>
 * </ul>
 * Each connection is one spawned task, an {@link HttpConnection}; the parsing is in
 * {@code dev.spindle.perf.servers.http.HttpRequestParser}, the response bytes in {@code dev.spindle.perf.servers.http.HttpResponses}.
 *
 * <pre>
 *   java -cp ... dev.spindle.examples.net.HelloHttpServer [--port P] [--host H] [--workers N]
 * </pre>
 * prints {@code listening on 127.0.0.1:PORT} once bound and serves until killed (see {@link ServerCli}).
 */
public final class HelloHttpServer {
    private HelloHttpServer() {
    }

    /**
     * Byte {@code index} of the body of {@code GET /bytes/{n}}: a hash of {@code index mod 65521}. Cheap,
     * far from constant, and with a prime period so that a repeated or skipped chunk of any power-of-two
     * size changes the stream (see {@link BytePattern}). Tests compute expected checksums with it.
     *
     * @param index the position in the body, {@code >= 0}
     */
    public static byte patternByte(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("pattern index must be >= 0, was " + index);
        }
        return BytePattern.at(index);
    }

    /**
     * Binds {@code bind} and serves HTTP on {@code runtime} (which must have the I/O driver:
     * {@code SpindleRuntime.builder()}). Port 0 picks a free port; see {@link ServerHandle#port()}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ServerHandle start(SpindleRuntime runtime, InetSocketAddress bind) throws IOException {
        return ServerHandle.start(runtime, bind, "HTTP server", stream -> new HttpConnection<>(stream, stream));
    }

    public static void main(String[] args) {
        ServerCli.run("hello-http-server", args, ServerCli.Kind.PLAIN, (runtime, options) -> start(runtime, options.bind()));
    }
}
