package dev.spindle.perf.servers.http;

import dev.spindle.io.testkit.MockStream;
import dev.spindle.perf.servers.kit.CountingStream;
import dev.spindle.testkit.MockTask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP connection state machine polled by hand over a scripted stream: batching of pipelined responses,
 * requests split across reads, streamed bodies under partial writes, buffers returned when idle, and the end.
 */
@Timeout(value = 10, unit = SECONDS)
class HttpConnectionTest {
    static final String HELLO = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
    static final String HELLO_CLOSE =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, World!";

    private int cachedBefore;

    @BeforeEach
    void warmTheCache() {
        ByteBuffer a = HttpConnection.BUFFERS.take();
        ByteBuffer b = HttpConnection.BUFFERS.take();
        HttpConnection.BUFFERS.give(a);
        HttpConnection.BUFFERS.give(b);
        cachedBefore = HttpConnection.BUFFERS.cachedOnThisThread();
    }

    private static MockTask<Void> task(CountingStream s) {
        return MockTask.of(new HttpConnection<>(s, s));
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    private static String octetHead(long length) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderInOneWrite() {
        String requests = get("/hello") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping"
                + get("/bytes/3") + get("/");
        String pattern = new String(new byte[]{BytePattern.at(0), BytePattern.at(1),
                BytePattern.at(2)}, StandardCharsets.ISO_8859_1);
        String responses = HELLO + octetHead(4) + "ping" + octetHead(3) + pattern + HELLO;
        CountingStream s = new CountingStream(MockStream.builder().read(requests).readPending()
                .write(responses.getBytes(StandardCharsets.ISO_8859_1)).build());
        MockTask<Void> t = task(s);
        t.assertPending();
        assertThat(t.isWoken()).isTrue();
        s.mock.assertDone();
        assertThat(s.writeCalls).as("one write for the batch").isEqualTo(1);
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).as("idle keep-alive: no buffer held")
                .isEqualTo(cachedBefore);
        assertThat(s.closes).isZero();
    }

    @Test
    void aRequestSplitAcrossReadsIsAnsweredWhenComplete() {
        CountingStream s = new CountingStream(MockStream.builder()
                .read("GET /hel").readPending().read("lo HTTP/1.1\r\nHo").readPending().read("st: t\r\n\r").readPending()
                .read("\n").readPending()
                .write(HELLO).build());
        MockTask<Void> t = task(s);
        for (int i = 0; i < 3; i++) {
            t.assertPending();
            assertThat(s.writeCalls).as("nothing answered before the head is complete").isZero();
            assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).as("a partial head keeps its buffer")
                    .isEqualTo(cachedBefore - 1);
        }
        t.assertPending();
        s.mock.assertDone();
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void anEchoBodyIsStreamedThroughPartialWritesAndPendingReads() {
        byte[] body = new byte[100_000];
        new Random(1).nextBytes(body);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(octetHead(body.length).getBytes(StandardCharsets.ISO_8859_1));
        expected.writeBytes(body);
        expected.writeBytes(HELLO.getBytes(StandardCharsets.ISO_8859_1));
        MockStream.Builder script = MockStream.builder()
                .read("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length + "\r\n\r\n")
                .read(java.util.Arrays.copyOfRange(body, 0, 30_000)).readPending()
                .read(java.util.Arrays.copyOfRange(body, 30_000, body.length)).read(get("/hello")).readEof()
                .writeLimit(7_000).write(expected.toByteArray());
        CountingStream s = new CountingStream(script.build());
        MockTask<Void> t = task(s);
        t.assertPending();
        assertThat(t.isWoken()).isTrue();
        t.assertReady(); // EOF after the second request: answered, then shut down
        s.mock.assertDone();
        assertThat(s.mock.isShutdown()).isTrue();
        assertThat(s.closes).isEqualTo(1);
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void aPatternBodyLargerThanOneChunkIsTheWholePattern() {
        int n = BytePattern.PERIOD + BytePattern.MAX_CHUNK + 5; // several chunks, wrapping the period
        byte[] pattern = new byte[n];
        for (int i = 0; i < n; i++) {
            pattern[i] = BytePattern.at(i);
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(octetHead(n).getBytes(StandardCharsets.ISO_8859_1));
        expected.writeBytes(pattern);
        CountingStream s = new CountingStream(MockStream.builder().read(get("/bytes/" + n)).readEof()
                .writeLimit(10_000).writePending().write(expected.toByteArray()).build());
        MockTask<Void> t = task(s);
        t.assertPending();
        t.assertReady();
        s.mock.assertDone();
    }

    @Test
    void connectionCloseIsAnsweredThenTheWriteSideShutsAndLaterRequestsAreDropped() {
        CountingStream s = new CountingStream(MockStream.builder()
                .read("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/ignored")).readEof()
                .write(HELLO_CLOSE).build());
        MockTask<Void> t = task(s);
        t.assertReady(); // the client's EOF ends the linger at once: no timer needed
        s.mock.assertDone();
        assertThat(s.mock.isShutdown()).isTrue();
        assertThat(s.closes).isEqualTo(1);
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }

    @Test
    void aMalformedRequestIsAnswered400AfterTheResponsesBeforeIt() {
        String body = "Bad Request: request target must be a path, an absolute http(s) URI or *\n";
        String bad = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
        CountingStream s = new CountingStream(MockStream.builder()
                .read(get("/") + "GET nopath HTTP/1.1\r\nHost: t\r\n\r\n").readEof()
                .write(HELLO + bad).build());
        MockTask<Void> t = task(s);
        t.assertReady();
        s.mock.assertDone();
        assertThat(s.writeCalls).as("the 200 and the 400 in one write").isEqualTo(1);
        assertThat(s.mock.isShutdown()).isTrue();
        assertThat(s.closes).isEqualTo(1);
    }

    @Test
    void cancelReleasesBuffersAndCloses() {
        CountingStream s = new CountingStream(MockStream.builder().read(get("/")).writePending().build());
        MockTask<Void> t = task(s);
        t.assertPending(); // the response is queued, its write would block
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).isLessThan(cachedBefore);
        t.cancel();
        assertThat(s.closes).isEqualTo(1);
        assertThat(HttpConnection.BUFFERS.cachedOnThisThread()).isEqualTo(cachedBefore);
    }
}
