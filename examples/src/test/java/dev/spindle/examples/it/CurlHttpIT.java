package dev.spindle.examples.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.examples.net.HelloHttpServer;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/** curl as the client of the Spindle HTTP/1.1 server: keep-alive, errors, 100 MiB each way. */
@Timeout(value = 5, unit = MINUTES)
@Tag("integration")
class CurlHttpIT {
    private static final long HUNDRED_MIB = 100L << 20;

    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        Peers.requireDocker();
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("curl-http-it-").build();
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        try (var server = HelloHttpServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            String base = "http://127.0.0.1:" + server.localAddress().getPort();
            String out = Peers.runToCompletion(
                    "curl -sS -v --http1.1 " + base + "/hello " + base + "/ " + base + "/hello 2>&1; status=$?; echo; echo EXIT $status",
                    Duration.ofMinutes(1));
            assertThat(out.split("Hello, World!", -1)).as("three bodies: " + out).hasSize(4);
            assertThat(out.split("< HTTP/1.1 200 OK", -1)).as("three 200s: " + out).hasSize(4);
            // curl says so when it sends the second and third requests on the first connection.
            assertThat(out.split("Re-using existing connection", -1)).as(out).hasSize(3);
            // curl's own exit status, kept before the echo that ends the body's line (echo's is always 0).
            assertThat(Output.value(out, "EXIT")).as(out).isEqualTo("0");
            assertThat(out).as(out).contains("Connected to 127.0.0.1");
            assertThat(out.split("Connected to 127.0.0.1", -1)).as("one TCP connection: " + out).hasSize(2);
        }
    }

    @Test
    void statusCodesForBadRequests() throws Exception {
        try (var server = HelloHttpServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            String base = "http://127.0.0.1:" + server.localAddress().getPort();
            String code = "curl -sS -o /dev/null -w '%{http_code}\\n' ";
            String out = Peers.runToCompletion(String.join("; ",
                    "echo NOT_FOUND $(" + code + base + "/nowhere)",
                    "echo WRONG_METHOD $(" + code + "-X DELETE " + base + "/hello)",
                    "echo HEAD_TOO_BIG $(" + code + "-H \"X-Big: $(head -c 9000 /dev/zero | tr '\\0' a)\" " + base + "/hello)",
                    "echo CLOSE $(" + code + "-H 'Connection: close' " + base + "/hello)"), Duration.ofMinutes(1));
            assertThat(Output.value(out, "NOT_FOUND")).as(out).isEqualTo("404");
            assertThat(Output.value(out, "WRONG_METHOD")).as(out).isEqualTo("405");
            assertThat(Output.value(out, "HEAD_TOO_BIG")).as(out).isEqualTo("431");
            assertThat(Output.value(out, "CLOSE")).as(out).isEqualTo("200");
        }
    }

    @Test
    void hundredMebibytesUploadedAndEchoed() throws Exception {
        try (var server = HelloHttpServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            String url = "http://127.0.0.1:" + server.localAddress().getPort() + "/echo";
            // -T streams the file (curl sends "Expect: 100-continue" first); -X POST makes it a POST.
            String out = Peers.runToCompletion(String.join("; ",
                    "set -e",
                    "head -c " + HUNDRED_MIB + " /dev/urandom > /data/in",
                    "curl -sS --fail -X POST -T /data/in -H 'Content-Type: application/octet-stream' -o /data/out "
                            + "-w 'STATUS %{http_code}\\n' " + url,
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), Duration.ofMinutes(3));
            assertThat(Output.value(out, "STATUS")).as(out).isEqualTo("200");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Long.toString(HUNDRED_MIB));
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
        }
    }

    @Test
    void hundredMebibytesDownloaded() throws Exception {
        try (var server = HelloHttpServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            String url = "http://127.0.0.1:" + server.localAddress().getPort() + "/bytes/" + HUNDRED_MIB;
            String out = Peers.runToCompletion(String.join("; ",
                    "set -e",
                    "curl -sS --fail -o /data/out -w 'STATUS %{http_code}\\n' " + url,
                    "echo SHA $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), Duration.ofMinutes(3));
            assertThat(Output.value(out, "STATUS")).as(out).isEqualTo("200");
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Long.toString(HUNDRED_MIB));
            assertThat(Output.value(out, "SHA")).as(out).isEqualTo(expectedPatternSha256(HUNDRED_MIB));
        }
    }

    /** The SHA-256 of the first {@code n} bytes of {@link HelloHttpServer#patternByte}, as sha256sum prints it. */
    static String expectedPatternSha256(long n) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 16];
        for (long i = 0; i < n; ) {
            int len = (int) Math.min(chunk.length, n - i);
            for (int j = 0; j < len; j++) {
                chunk[j] = HelloHttpServer.patternByte(i + j);
            }
            sha.update(chunk, 0, len);
            i += len;
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
