package dev.spindle.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * accept() under "too many open files": a Spindle server in a child JVM with {@code ulimit -n 128} is sent more
 * connections than it can hold. It must report the failure, back off without spinning, and accept the rest once
 * descriptors free up.
 */
@Timeout(value = 120, unit = SECONDS)
class AcceptUnderDescriptorExhaustionTest {
    static final int CONNECTIONS = 200;

    @Test
    void backsOffWithoutSpinningAndRecovers() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cmd = "ulimit -n 128 && exec '" + java + "' -Xshare:off -cp '" + System.getProperty("java.class.path")
                + "' " + EmfileServer.class.getName();
        Process server = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        List<Socket> clients = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("server's first line").startsWith("port ");
            int port = Integer.parseInt(first.substring(5).trim());
            AtomicLong accepted = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicReference<String> lastLine = new AtomicReference<>("");
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        lastLine.set(line);
                        if (line.startsWith("accepted ")) {
                            accepted.set(Long.parseLong(line.substring(9).trim()));
                        } else if (line.startsWith("failed ")) {
                            failed.set(Long.parseLong(line.substring(7).trim()));
                        }
                    }
                } catch (Exception ignored) {
                    // the server went away
                }
            });
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(new Socket("127.0.0.1", port)); // the kernel completes them; the backlog holds them
            }
            await().atMost(30, SECONDS).until(() -> failed.get() > 0);
            long stuckAt = accepted.get();
            assertThat(stuckAt).as("accepted before running out of descriptors").isLessThan(CONNECTIONS);

            // While starved, the server backs off: its CPU over 2 s stays small (a spin would use ~2 s).
            Duration cpu0 = server.info().totalCpuDuration().orElseThrow();
            Thread.sleep(2000);
            Duration cpu = server.info().totalCpuDuration().orElseThrow().minus(cpu0);
            assertThat(cpu).as("server CPU while starved of descriptors").isLessThan(Duration.ofMillis(300));
            assertThat(failed.get()).as("failed attempts in 2 s (back-off doubles to 1 s)").isLessThan(20);

            // Free descriptors: closing clients makes the server's echo tasks see EOF and close their sockets.
            for (int i = 0; i < stuckAt; i++) {
                clients.get(i).close();
            }
            await().atMost(30, SECONDS).until(() -> accepted.get() == CONNECTIONS);
            server.getOutputStream().close();
            assertThat(server.waitFor(20, SECONDS)).isTrue();
            reader.join(Duration.ofSeconds(5));
        } finally {
            for (Socket c : clients) {
                c.close();
            }
            server.destroyForcibly();
        }
    }
}
