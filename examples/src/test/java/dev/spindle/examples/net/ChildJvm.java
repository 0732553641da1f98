package dev.spindle.examples.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A server's real {@code main} in a child JVM with the test class path: what the benchmark scripts run. */
final class ChildJvm {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private ChildJvm() {
    }

    /** {@code java [jvmFlags] -cp <test class path> mainClass args}, not started. */
    static ProcessBuilder java(List<String> jvmFlags, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    static ProcessBuilder java(String mainClass, String... args) {
        return java(List.of(), mainClass, args);
    }

    /** Reads the server's first stdout line, checks it is the "listening on" line and returns its port. */
    static int listeningPort(Process server) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        Matcher m = LISTENING.matcher(String.valueOf(line));
        assertThat(m.matches()).as("first line: %s", line).isTrue();
        int port = Integer.parseInt(m.group(1));
        assertThat(port).isPositive();
        return port;
    }

    /**
     * Sends {@code server} SIGTERM (through its handle: {@link Process#destroy()} would also close the pipes read
     * afterwards), whose shutdown hook stops accepting and closes the runtime, and checks it exits within 20 s.
     */
    static void sigterm(Process server) throws InterruptedException {
        server.toHandle().destroy();
        assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
    }

    /** Checks the exited {@code server} wrote nothing to stderr: no warnings, no stack traces. */
    static void assertQuietStderr(Process server) throws IOException {
        String err = new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(err).as("stderr: no warnings, no stack traces").isEmpty();
    }

    /** {@link #sigterm} then {@link #assertQuietStderr}: the server stops cleanly on SIGTERM. */
    static void assertStopsCleanlyOnSigterm(Process server) throws IOException, InterruptedException {
        sigterm(server);
        assertQuietStderr(server);
    }
}
