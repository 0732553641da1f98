package dev.spindle.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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

    /**
     * The child's class path: Spindle's classes (directories, or its module jars when packaged) and JCTools.
     * A class the starved server loads late is looked up along the whole path, and every jar in front of the
     * right entry is opened on the way, which takes a descriptor it does not have: with the test JVM's path (JUnit, Lincheck and their
     * dependencies) the child's echo tasks failed to load Spindle's end-of-stream classes, never closed their
     * sockets, and the server never recovered.
     */
    private static String childClassPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> {
                    java.io.File f = new java.io.File(e);
                    // Spindle's classes: directories under the reactor, its module jars once packaged (verify).
                    return f.isDirectory() || f.getName().startsWith("spindle-") || f.getName().startsWith("jctools-");
                })
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    @Test
    void backsOffWithoutSpinningAndRecovers() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cmd = "ulimit -n 128 && exec '" + java + "' -Xshare:off -cp '" + childClassPath()
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
            BlockingQueue<long[]> stats = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        lastLine.set(line);
                        if (!line.startsWith("accepted ") && !line.startsWith("failed ")) {
                            System.out.println("child: " + line); // a failure's cause, if any, in the test's output
                        }
                        if (line.startsWith("accepted ")) {
                            accepted.set(Long.parseLong(line.substring(9).trim()));
                        } else if (line.startsWith("failed ")) {
                            failed.set(Long.parseLong(line.substring(7).trim()));
                        } else if (line.startsWith("stats ")) {
                            String[] f = line.split(" ");
                            stats.add(new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
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

            // The back-off starts at 10 ms and doubles to 1 s: from the 8th failed attempt on, it waits 1 s.
            // Measured from there, over 2 s, on the server's worker thread only (the whole JVM's CPU would
            // count its JIT compiler and collector, busy soon after start on a machine shared with others).
            await().atMost(30, SECONDS).until(() -> failed.get() >= 8);
            PrintStream toServer = new PrintStream(server.getOutputStream(), true, StandardCharsets.UTF_8);
            toServer.println("stats");
            long[] s0 = stats.poll(10, SECONDS);
            long failed0 = failed.get();
            Thread.sleep(2000);
            toServer.println("stats");
            long[] s1 = stats.poll(10, SECONDS);
            long attempts = failed.get() - failed0;
            assertThat(s0).as("the server's stats answer (its last line: %s)", lastLine.get()).isNotNull();
            assertThat(s1).as("the server's stats answer (its last line: %s)", lastLine.get()).isNotNull();
            long polls = s1[1] - s0[1];
            System.out.printf("starved 2 s: %d failed accepts, %d polls, worker CPU %.2f ms%n", attempts, polls,
                    (s1[0] - s0[0]) / 1e6);
            // A spin would be ~2 s of CPU and millions of polls; backing off is a timer wake a second, each a
            // poll that fails one accept: two or three in 2 s. The CPU bound is what a few polls cost, with room
            // for a descheduled or interpreted worker, and far below a spin.
            assertThat(attempts).as("failed accept attempts over 2 s at a 1 s back-off").isBetween(1L, 3L);
            assertThat(polls).as("worker polls over 2 s (one per back-off expiry)").isLessThanOrEqualTo(attempts + 1);
            assertThat(Duration.ofNanos(s1[0] - s0[0])).as("server worker CPU over 2 s while starved of descriptors")
                    .isLessThan(Duration.ofMillis(50));

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
