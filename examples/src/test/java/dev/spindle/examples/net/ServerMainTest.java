package dev.spindle.examples.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The servers' mains as the benchmark scripts run them, in a child JVM: the one readiness line, and a bad command
 * line (the parsing itself is {@code ServerCli}'s, tested with it).
 */
@Timeout(value = 60, unit = SECONDS)
class ServerMainTest {
    @Test
    void mainPrintsOneListeningLineWithTheRealPortThenServes() throws Exception {
        Process p = ChildJvm.java(EchoServer.class.getName(), "--workers", "1").start();
        try {
            int port = ChildJvm.listeningPort(p);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertThat(s.getInputStream().readAllBytes()).isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(p.isAlive()).as("serves until killed").isTrue();
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void mainExitsWithStatus2AndAReasonOnABadCommandLine() throws Exception {
        Process p = ChildJvm.java(HelloHttpServer.class.getName(), "--port", "nope").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isEqualTo(2);
        assertThat(err).contains("--port must be a number").contains("usage: hello-http-server");
        assertThat(p.getInputStream().readAllBytes()).as("nothing on stdout").isEmpty();
    }
}
