package dev.spindle.examples.net;

import dev.spindle.SpindleRuntime;
import dev.spindle.perf.servers.http.BytePattern;
import dev.spindle.perf.servers.kit.ServerHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP server over loopback, spoken to with raw sockets (exact bytes) and with java.net.http. */
@Timeout(value = 60, unit = SECONDS)
class HelloHttpServerTest {
    private SpindleRuntime rt;
    private ServerHandle server;

    @BeforeEach
    void start() throws IOException {
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("http-test-").build();
        server = HelloHttpServer.start(rt, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        try {
            server.close();
        } finally {
            rt.close();
        }
    }

    private HttpWire connect() throws IOException {
        return new HttpWire(server.port());
    }

    @Test
    void helloIsExactlyTheAgreedBytesOnBothPaths() throws IOException {
        byte[] expected = HttpWire.HELLO.getBytes(StandardCharsets.ISO_8859_1);
        try (HttpWire c = connect()) {
            c.send(HttpWire.get("/hello"));
            assertThat(c.in.readNBytes(expected.length)).isEqualTo(expected);
            c.send(HttpWire.get("/"));
            assertThat(c.in.readNBytes(expected.length)).isEqualTo(expected);
        }
    }

    @Test
    void keepAliveServesSequentialRequestsOnOneConnection() throws IOException {
        try (HttpWire c = connect()) {
            for (int i = 0; i < 20; i++) {
                HttpWire.Response r = c.send(HttpWire.get(i % 2 == 0 ? "/hello" : "/")).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("Hello, World!");
                assertThat(r.header("Connection")).isNull();
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (HttpWire c = connect()) {
            c.send(HttpWire.get("/hello") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping"
                    + HttpWire.get("/bytes/5") + HttpWire.get("/nowhere")); // one write
            assertThat(c.read().text()).isEqualTo("Hello, World!");
            assertThat(c.read().text()).isEqualTo("ping");
            HttpWire.Response bytes = c.read();
            assertThat(bytes.body()).hasSize(5);
            assertThat(bytes.body()[4]).isEqualTo(HelloHttpServer.patternByte(4));
            assertThat(c.read().status()).isEqualTo(404);
            assertThat(c.send(HttpWire.get("/")).read().status()).as("still open").isEqualTo(200);
        }
    }

    @Test
    void anUnknownPathIs404AndTheConnectionStaysOpen() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send(HttpWire.get("/nowhere")).read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.text()).isEqualTo("Not Found\n");
            assertThat(c.send(HttpWire.get("/hello/")).read().status()).as("paths match exactly").isEqualTo(404);
            assertThat(c.send(HttpWire.get("/bytes/12x")).read().status()).isEqualTo(404);
            assertThat(c.send(HttpWire.get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void anotherMethodOnARouteIs405WithAllow() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
            r = c.send(HttpWire.get("/echo")).read();
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("POST");
            r = c.send("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc").read();
            assertThat(r.status()).as("the body is read and dropped").isEqualTo(405);
            assertThat(c.send(HttpWire.get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void aMalformedRequestLineIs400AndCloses() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.1 extra\r\nHost: t\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aMalformedHeaderFieldIs400AndCloses() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.text()).contains("header field name");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aHeadOverEightKibIs431AndCloses() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aLargeResponseReachesAClientThatKeptSendingAfterConnectionClose() throws Exception {
        // The server closes after this response while unread requests sit in its receive buffer. Closing then
        // would make the kernel send a reset and drop the part of the response still in the send buffer;
        // lingering (shutting the write side, then reading and dropping until the client closes) avoids that.
        int n = 8 * 1024 * 1024;
        try (HttpWire c = connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    c.send("GET /bytes/" + n + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                            + HttpWire.get("/never-answered").repeat(5_000));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            HttpWire.Response r = c.read();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.body()).hasSize(n);
            assertThat(c.in.read()).as("then a clean EOF").isEqualTo(-1);
            writer.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void postEchoStreamsAFewMebibytesBackAndTheConnectionGoesOn() throws Exception {
        int size = 8 * 1024 * 1024 + 3;
        try (HttpWire c = connect()) {
            CRC32 sent = new CRC32();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = c.socket.getOutputStream();
                    out.write(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    Random random = new Random(3);
                    byte[] chunk = new byte[50_000];
                    for (int left = size; left > 0; left -= chunk.length) {
                        int n = Math.min(left, chunk.length);
                        random.nextBytes(chunk);
                        sent.update(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String head = c.readHead(); // arrives before the body is complete: the echo is streamed
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: " + size + "\r\n");
            CRC32 received = new CRC32();
            byte[] buf = new byte[64 * 1024];
            for (int left = size; left > 0; ) {
                int n = c.in.read(buf, 0, Math.min(buf.length, left));
                assertThat(n).as("body bytes still missing: %d", left).isPositive();
                received.update(buf, 0, n);
                left -= n;
            }
            writer.get(30, TimeUnit.SECONDS);
            assertThat(received.getValue()).isEqualTo(sent.getValue());
            assertThat(c.send(HttpWire.get("/hello")).read().text()).isEqualTo("Hello, World!");
        }
    }

    @Test
    void bytesServesThePatternOfTheAskedLength() throws IOException {
        int n = 3 * 1024 * 1024 + 17;
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send(HttpWire.get("/bytes/" + n)).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
            assertThat(r.body()).hasSize(n);
            for (int i = 0; i < n; i++) {
                if (r.body()[i] != HelloHttpServer.patternByte(i)) {
                    throw new AssertionError("byte " + i + " differs from the pattern");
                }
            }
            assertThat(c.send(HttpWire.get("/bytes/0")).read().body()).isEmpty();
            HttpWire.Response tooMany = c.send(HttpWire.get("/bytes/" + ((1L << 30) + 1))).read();
            assertThat(tooMany.status()).isEqualTo(400);
            assertThat(tooMany.text()).contains("at most 1073741824");
            assertThat(c.send(HttpWire.get("/hello")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void patternBytesAreDeterministicVariedAndPeriodicOnlyAtAPrime() {
        Set<Byte> distinct = new HashSet<>();
        for (int i = 0; i < 4096; i++) {
            distinct.add(HelloHttpServer.patternByte(i));
        }
        assertThat(distinct).hasSizeGreaterThan(200);
        assertThat(HelloHttpServer.patternByte(123_456_789L)).isEqualTo(HelloHttpServer.patternByte(123_456_789L));
        assertThat(HelloHttpServer.patternByte(7 + BytePattern.PERIOD)).isEqualTo(HelloHttpServer.patternByte(7));
        int shifted = 0;
        for (int i = 0; i < 4096; i++) {
            shifted += HelloHttpServer.patternByte(i) != HelloHttpServer.patternByte(i + 65_536) ? 1 : 0;
        }
        assertThat(shifted).as("a chunk repeated at a 64 KiB offset shows").isGreaterThan(4000);
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read();
            assertThat(r.head()).isEqualTo(HttpWire.HELLO_CLOSE.substring(0,
                    HttpWire.HELLO_CLOSE.indexOf("\r\n\r\n") + 4));
            assertThat(r.text()).isEqualTo("Hello, World!");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void http10ClosesUnlessItAsksForKeepAlive() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
            assertThat(c.send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").read().text()).isEqualTo("Hello, World!");
        }
    }

    @Test
    void aChunkedRequestBodyIs411AndCloses() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\nping\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(411);
            assertThat(r.text()).contains("chunked request bodies are not supported");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void expectContinueGetsTheInterimResponseBeforeTheBodyIsSent() throws IOException {
        try (HttpWire c = connect()) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100);
            HttpWire.Response r = c.send("hello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello");
        }
    }

    @Test
    void headGetsTheHeadOnly() throws IOException {
        try (HttpWire c = connect()) {
            HttpWire.Response r = c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n").read(true);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo("13");
            r = c.send("HEAD /bytes/1000000 HTTP/1.1\r\nHost: t\r\n\r\n").read(true);
            assertThat(r.header("Content-Length")).isEqualTo("1000000");
            // Had a body been sent, this would read it instead of the next response.
            assertThat(c.send(HttpWire.get("/hello")).read().text()).isEqualTo("Hello, World!");
        }
    }

    @Test
    void bareLineFeedsAreAccepted() throws IOException {
        try (HttpWire c = connect()) {
            assertThat(c.send("GET /hello HTTP/1.1\nHost: t\n\n").read().text()).isEqualTo("Hello, World!");
        }
    }

    @Test
    void aClientThatHalfClosesStillGetsAllItsResponses() throws IOException {
        try (HttpWire c = connect()) {
            c.send(HttpWire.get("/hello") + HttpWire.get("/bytes/10"));
            c.socket.shutdownOutput();
            assertThat(c.read().text()).isEqualTo("Hello, World!");
            assertThat(c.read().body()).hasSize(10);
            assertThat(c.in.read()).as("then EOF").isEqualTo(-1);
        }
    }

    @Test
    void javaHttpClientGetsHelloEchoAndBytes() throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            URI base = URI.create("http://127.0.0.1:" + server.port());
            HttpResponse<String> hello = client.send(HttpRequest.newBuilder(base.resolve("/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("Hello, World!");
            assertThat(hello.headers().firstValue("content-type")).hasValue("text/plain");

            byte[] payload = new byte[2 * 1024 * 1024];
            new Random(11).nextBytes(payload);
            HttpResponse<byte[]> echo = client.send(HttpRequest.newBuilder(base.resolve("/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(echo.statusCode()).isEqualTo(200);
            assertThat(echo.body()).isEqualTo(payload);

            HttpResponse<byte[]> bytes = client.send(HttpRequest.newBuilder(base.resolve("/bytes/70000")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(bytes.body()).hasSize(70_000);
            assertThat(bytes.body()[69_999]).isEqualTo(HelloHttpServer.patternByte(69_999));
        }
    }
}
