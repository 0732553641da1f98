package dev.spindle.testing.peers;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

/**
 * Programs nobody in this project wrote (socat, curl, ...), run in containers of the peer image that
 * {@code .ci/docker-up} builds from Debian packages.
 *
 * <p>Containers share the host network and talk to Spindle on 127.0.0.1 only. The image has no default
 * command, so every container gets one. Two kinds:
 * <ul>
 *   <li>{@link #runToCompletion}: a client that runs its script and exits; a non-zero exit fails the test
 *       with the container's output.</li>
 *   <li>{@link #listening}: a server, ready once a TCP connect to 127.0.0.1:port succeeds (the default wait
 *       strategies check nothing on the host network).</li>
 * </ul>
 *
 * <p>Without a Docker engine the tests are skipped with a message saying how to get one, except under CI
 * ({@code CI=true}), where a missing engine or image fails the run: CI must really run them.
 */
public final class Peers {
    public static final String IMAGE = System.getenv().getOrDefault("SPINDLE_PEER_IMAGE", "spindle-peers:local");

    private Peers() {
    }

    /** Skips the calling test (or fails it under CI) unless Docker answers and the peer image exists. */
    public static void requireDocker() {
        String problem = dockerProblem();
        if (problem == null) {
            return;
        }
        String message = problem + "; run .ci/docker-up (as root) to install Docker and build " + IMAGE;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true but the real-peer tests cannot run: " + message);
        }
        Assumptions.abort("real-peer test skipped: " + message);
    }

    private static String dockerProblem() {
        try {
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                return "no Docker engine answers";
            }
            DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
            return null;
        } catch (RuntimeException e) {
            return "Docker or image " + IMAGE + " unavailable (" + e.getMessage() + ")";
        }
    }

    /**
     * Runs {@code script} with {@code sh -c} and waits until it exits (at most {@code timeout}); returns its
     * stdout and stderr. A non-zero exit throws, with the output in the message.
     */
    public static String runToCompletion(String script, Duration timeout) {
        try (GenericContainer<?> c = base()
                .withCommand("sh", "-c", script)
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(timeout))) {
            try {
                c.start();
            } catch (RuntimeException e) {
                String logs;
                try {
                    logs = c.getLogs();
                } catch (RuntimeException ignored) {
                    logs = "(no output available)";
                }
                throw new AssertionError("peer script failed: " + script + "\n--- output ---\n" + logs, e);
            }
            return c.getLogs();
        }
    }

    /** Starts {@code sh -c script} as a server and returns once 127.0.0.1:{@code port} accepts connections. */
    public static GenericContainer<?> listening(String script, int port) {
        GenericContainer<?> c = base()
                .withCommand("sh", "-c", script)
                .waitingFor(new TcpConnectWait(port));
        c.start();
        return c;
    }

    /** A port that was free a moment ago, for a peer to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @SuppressWarnings("resource") // closed by the callers (try-with-resources)
    private static GenericContainer<?> base() {
        return new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withNetworkMode("host")
                // Payload files live in memory: 100 MiB in and out would otherwise go through the overlay fs.
                .withTmpFs(Map.of("/data", "rw,size=512m"));
    }

    /** Ready when a TCP connect to 127.0.0.1:port succeeds. */
    private static final class TcpConnectWait extends AbstractWaitStrategy {
        private final int port;

        TcpConnectWait(int port) {
            this.port = port;
            withStartupTimeout(Duration.ofSeconds(30));
        }

        @Override
        protected void waitUntilReady() {
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!waitStrategyTarget.isRunning()) {
                    throw new IllegalStateException("peer container exited before listening on 127.0.0.1:" + port
                            + "; output:\n" + waitStrategyTarget.getLogs());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return;
                } catch (IOException notYet) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted waiting for port " + port, e);
                    }
                }
            }
            throw new IllegalStateException("peer did not listen on 127.0.0.1:" + port + " within " + startupTimeout
                    + "; output:\n" + waitStrategyTarget.getLogs());
        }
    }
}
