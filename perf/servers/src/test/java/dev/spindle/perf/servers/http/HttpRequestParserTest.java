package dev.spindle.perf.servers.http;

import dev.spindle.perf.servers.http.HttpRequestParser.Method;
import dev.spindle.perf.servers.http.HttpRequestParser.Outcome;
import dev.spindle.perf.servers.http.HttpRequestParser.TransferCoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The request-head parser on its own: every outcome, the fields it reports, and where it refuses. */
@Timeout(value = 10, unit = SECONDS)
class HttpRequestParserTest {
    private final HttpRequestParser parser = new HttpRequestParser();

    private static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Outcome parse(String s) {
        return parser.parse(buffer(s));
    }

    private String path(ByteBuffer b) {
        byte[] p = new byte[parser.pathEnd() - parser.pathStart()];
        b.get(parser.pathStart(), p);
        return new String(p, StandardCharsets.ISO_8859_1);
    }

    @Test
    void parsesAGetAndReportsItsLengthAndPath() {
        String head = "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        ByteBuffer b = buffer(head + "NEXT");
        assertThat(parser.parse(b)).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.headLength()).isEqualTo(head.length());
        assertThat(parser.method()).isEqualTo(Method.GET);
        assertThat(path(b)).isEqualTo("/hello");
        assertThat(parser.minorVersion()).isEqualTo(1);
        assertThat(parser.contentLength()).isEqualTo(-1);
        assertThat(parser.keepAlive()).isTrue();
        assertThat(b.position()).as("parse does not consume").isZero();
    }

    @Test
    void everyPrefixOfAValidHeadIsIncomplete() {
        String head = "\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";
        for (int n = 0; n < head.length(); n++) {
            assertThat(parse(head.substring(0, n))).as("prefix of %d bytes", n).isEqualTo(Outcome.INCOMPLETE);
        }
        assertThat(parse(head)).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.headLength()).isEqualTo(head.length());
        assertThat(parser.contentLength()).isEqualTo(5);
    }

    @Test
    void parsesFromTheBufferPositionNotFromZero() {
        ByteBuffer b = buffer("GARBAGE!GET /echo HTTP/1.1\r\nHost: a\r\n\r\n");
        b.position(8);
        assertThat(parser.parse(b)).isEqualTo(Outcome.COMPLETE);
        assertThat(path(b)).isEqualTo("/echo");
        assertThat(parser.headLength()).isEqualTo(b.remaining());
    }

    @Test
    void headerNamesAndConnectionTokensAreCaseInsensitive() {
        assertThat(parse("GET / HTTP/1.1\r\nhOsT: a\r\nCONTENT-length:  7 \r\ncOnNeCtIoN: Foo, CLOSE\r\n"
                + "EXPECT: 100-Continue\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.contentLength()).isEqualTo(7);
        assertThat(parser.keepAlive()).isFalse();
        assertThat(parser.expectContinue()).isTrue();
    }

    @Test
    void persistenceFollowsTheVersionAndTheConnectionField() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.0\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.keepAlive()).isFalse();
        assertThat(parser.minorVersion()).isZero();
        assertThat(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n")).as("later 1.x is 1.1").isEqualTo(Outcome.COMPLETE);
        assertThat(parser.minorVersion()).isEqualTo(1);
    }

    @Test
    void bareLineFeedsAreAccepted() {
        String head = "GET /hello HTTP/1.1\nHost: a\n\n";
        assertThat(parse(head)).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.headLength()).isEqualTo(head.length());
    }

    @Test
    void absoluteFormAndAsteriskTargetsGiveTheirPath() {
        ByteBuffer b = buffer("GET http://example.com:80/bytes/5?q HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(parser.parse(b)).isEqualTo(Outcome.COMPLETE);
        assertThat(path(b)).isEqualTo("/bytes/5");
        b = buffer("GET HTTPS://example.com HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(parser.parse(b)).isEqualTo(Outcome.COMPLETE);
        assertThat(path(b)).as("no path: the root").isEmpty();
        b = buffer("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(parser.parse(b)).isEqualTo(Outcome.COMPLETE);
        assertThat(path(b)).isEqualTo("*");
        assertThat(parser.method()).isEqualTo(Method.OTHER);
    }

    @Test
    void methodsAreCaseSensitive() {
        assertThat(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.method()).isEqualTo(Method.OTHER);
        assertThat(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(Outcome.COMPLETE);
        assertThat(parser.method()).isEqualTo(Method.HEAD);
    }

    @Test
    void transferCodingsAreReportedByTheirFinalCoding() {
        assertThat(parse("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"))
                .isEqualTo(Outcome.COMPLETE);
        assertThat(parser.transferCoding()).isEqualTo(TransferCoding.CHUNKED);
        assertThat(parse("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"))
                .isEqualTo(Outcome.COMPLETE);
        assertThat(parser.transferCoding()).isEqualTo(TransferCoding.OTHER);
    }

    @Test
    void malformedHeadsAreBadRequestsWithAReason() {
        String[] bad = {
                "GET /\r\n\r\n",                                            // no version
                "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                      // two spaces
                "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",                      // space after the version
                "GET / HTTX/1.1\r\nHost: a\r\n\r\n",
                "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",                       // not a token
                "GET nopath HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost : a\r\n\r\n",                      // space before the colon
                "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n",   // obsolete folding
                "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0001b\r\n\r\n",        // control character
                "GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n",                 // CR without LF
                "GET / HTTP/1.1\r\n\r\n",                                  // HTTP/1.1 without Host
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        };
        for (String head : bad) {
            assertThat(parse(head)).as(head).isEqualTo(Outcome.BAD_REQUEST);
            assertThat(parser.problem()).as(head).isNotBlank();
        }
        assertThat(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n"))
                .as("repeated but equal Content-Length").isEqualTo(Outcome.COMPLETE);
    }

    @Test
    void garbageIsRefusedBeforeTheHeadEnds() {
        assertThat(parse("\u0016\u0003\u0001")).as("a TLS hello").isEqualTo(Outcome.BAD_REQUEST);
        assertThat(parse("GET / HTTP/1.1\r\nBad Name")).isEqualTo(Outcome.BAD_REQUEST);
    }

    @Test
    void onlyHttpOneIsSupported() {
        assertThat(parse("GET / HTTP/2.0\r\n\r\n")).isEqualTo(Outcome.VERSION_NOT_SUPPORTED);
        assertThat(parser.problem()).contains("HTTP/2.0");
    }

    @Test
    void aHeadOfExactlyTheLimitIsAcceptedAndOneByteMoreIsTooLarge() {
        String start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        String end = "\r\n\r\n";
        String exact = start + "a".repeat(HttpRequestParser.MAX_HEAD_BYTES - start.length() - end.length()) + end;
        assertThat(exact).hasSize(HttpRequestParser.MAX_HEAD_BYTES);
        assertThat(parse(exact)).isEqualTo(Outcome.COMPLETE);
        String over = start + "a".repeat(HttpRequestParser.MAX_HEAD_BYTES - start.length() - end.length() + 1) + end;
        assertThat(parse(over)).isEqualTo(Outcome.HEAD_TOO_LARGE);
        assertThat(parse(over.substring(0, HttpRequestParser.MAX_HEAD_BYTES - 1))).isEqualTo(Outcome.INCOMPLETE);
        assertThat(parse(over.substring(0, HttpRequestParser.MAX_HEAD_BYTES))).isEqualTo(Outcome.HEAD_TOO_LARGE);
    }
}
