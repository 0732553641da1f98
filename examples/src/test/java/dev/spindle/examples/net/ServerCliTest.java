package dev.spindle.examples.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line the benchmark scripts depend on: parsing, and the real main in a child JVM. */
@Timeout(value = 60, unit = SECONDS)
class ServerCliTest {

    @Test
    void defaultsAreLoopbackAnEphemeralPortAndOneWorkerPerProcessor() throws Exception {
        ServerCli.Options o = ServerCli.parse(new String[0], false);
        assertThat(o.bind()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(o.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.upstream()).isNull();
    }

    @Test
    void everyOptionIsReadInBothForms() throws Exception {
        ServerCli.Options o = ServerCli.parse(new String[]{"--port", "8080", "--host=0.0.0.0", "--workers=3",
                "--upstream", "127.0.0.1:9000"}, true);
        assertThat(o.bind()).isEqualTo(new InetSocketAddress("0.0.0.0", 8080));
        assertThat(o.workers()).isEqualTo(3);
        assertThat(o.upstream()).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
        assertThat(ServerCli.parse(new String[]{"--upstream=[::1]:80"}, true).upstream().getPort()).isEqualTo(80);
        assertThat(ServerCli.parse(new String[]{"--help"}, false)).isNull();
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        record Case(List<String> args, boolean relay, String message) {
        }
        List<Case> cases = List.of(
                new Case(List.of("--port"), false, "--port needs a value"),
                new Case(List.of("--port", "http"), false, "--port must be a number"),
                new Case(List.of("--port", "70000"), false, "between 0 and 65535"),
                new Case(List.of("--workers", "0"), false, "--workers must be between 1"),
                new Case(List.of("--verbose"), false, "unknown option --verbose"),
                new Case(List.of("--upstream", "127.0.0.1:1"), false, "only the relay"),
                new Case(List.of(), true, "--upstream HOST:PORT is required"),
                new Case(List.of("--upstream", "nohost"), true, "must be HOST:PORT"),
                new Case(List.of("--upstream", "127.0.0.1:0"), true, "between 1 and 65535"),
                new Case(List.of("--host", "no.such.host.invalid"), false, "does not resolve"));
        for (Case c : cases) {
            assertThatThrownBy(() -> ServerCli.parse(c.args().toArray(String[]::new), c.relay()))
                    .as(c.args().toString()).isInstanceOf(ServerCli.UsageException.class)
                    .hasMessageContaining(c.message());
        }
    }

    private static ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    @Test
    void mainPrintsOneListeningLineWithTheRealPortThenServes() throws Exception {
        Process p = java(EchoServer.class.getName(), "--workers", "1").redirectErrorStream(false).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(line));
            assertThat(m.matches()).as("first line: %s", line).isTrue();
            int port = Integer.parseInt(m.group(1));
            assertThat(port).isPositive();
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
        Process p = java(HelloHttpServer.class.getName(), "--port", "nope").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isEqualTo(2);
        assertThat(err).contains("--port must be a number").contains("usage: hello-http-server");
        assertThat(p.getInputStream().readAllBytes()).as("nothing on stdout").isEmpty();
    }
}
