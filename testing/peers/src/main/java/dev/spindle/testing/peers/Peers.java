package dev.spindle.testing.peers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerClientException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * Both come in a variant that first copies text files (certificates, keys, configurations) into the container,
 * for peers that read them from disk. {@code /data} is a tmpfs for payloads, mounted when the container
 * starts; it would hide files copied there before, so copied files must live elsewhere (e.g. {@code /peer}).
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
        return runToCompletion(script, timeout, Map.of());
    }

    /**
     * As {@link #runToCompletion(String, Duration)}, with {@code files} (absolute path in the container to text
     * content) copied into the container before the script starts.
     */
    public static String runToCompletion(String script, Duration timeout, Map<String, String> files) {
        try (GenericContainer<?> c = withFiles(base(), files)
                .withCommand("sh", "-c", script)
                .withStartupCheckStrategy(new StartedCheck())) {
            c.start();
            // Docker's wait call returns as soon as the container exits, which it may have done already.
            // The container is not removed before the try block ends, so its output is complete even on failure.
            int status;
            try {
                status = c.getDockerClient().waitContainerCmd(c.getContainerId()).start()
                        .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (DockerClientException e) {
                throw new AssertionError("peer script did not finish within " + timeout + " (" + e.getMessage()
                        + "): " + script + "\n--- output so far ---\n" + c.getLogs(), e);
            }
            String logs = c.getLogs();
            if (status != 0) {
                throw new AssertionError("peer script failed with exit status " + status + ": " + script
                        + "\n--- output ---\n" + logs);
            }
            return logs;
        }
    }

    /** Starts {@code sh -c script} as a server and returns once 127.0.0.1:{@code port} accepts connections. */
    public static GenericContainer<?> listening(String script, int port) {
        return listening(script, Map.of(), port);
    }

    /**
     * Starts {@code sh -c script} as a server (or several, one per port) with {@code files} (absolute path in the
     * container to text content) copied in first; returns once every one of {@code ports} on 127.0.0.1 accepts
     * connections. The script's output so far is {@link GenericContainer#getLogs()}.
     */
    public static GenericContainer<?> listening(String script, Map<String, String> files, int... ports) {
        if (ports.length == 0) {
            throw new IllegalArgumentException("at least one port to wait for is needed");
        }
        GenericContainer<?> c = withFiles(base(), files)
                .withCommand("sh", "-c", script)
                .waitingFor(new TcpConnectWait(ports));
        try {
            c.start();
        } catch (RuntimeException e) {
            c.close(); // a container that failed to start would otherwise be left behind (no Ryuk here)
            throw e;
        }
        return c;
    }

    /** A port that was free a moment ago, for a peer to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static GenericContainer<?> withFiles(GenericContainer<?> c, Map<String, String> files) {
        if (files.isEmpty()) {
            return c;
        }
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        files.forEach((path, content) -> {
            if (!path.startsWith("/") || path.equals("/data") || path.startsWith("/data/")) {
                throw new IllegalArgumentException("files go to an absolute path outside /data (a tmpfs mounted at"
                        + " start hides what is copied there before), got " + path);
            }
            bytes.put(path, content.getBytes(StandardCharsets.UTF_8));
        });
        // The file set names its own paths; the destination given here is not used.
        return c.withCopyToContainer(new FileSet(bytes), "/");
    }

    /**
     * Files copied into a container in one archive, so in one Docker call: one call per file (what
     * {@code withCopyToContainer} does for each {@code Transferable.of}) costs about 70 ms each, over a second
     * for the certificates and keys of a TLS test. Files are world-readable: peers that drop privileges (nginx
     * workers) still need their keys.
     */
    private record FileSet(Map<String, byte[]> files) implements Transferable {
        @Override
        public long getSize() {
            return files.values().stream().mapToLong(b -> b.length).sum();
        }

        @Override
        public String getDescription() {
            return "peer files " + files.keySet();
        }

        @Override
        public void transferTo(TarArchiveOutputStream tar, String destination) {
            try {
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                    e.setSize(f.getValue().length);
                    e.setMode(DEFAULT_FILE_MODE); // a regular file, rw-r--r--
                    tar.putArchiveEntry(e);
                    tar.write(f.getValue());
                    tar.closeArchiveEntry();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot archive " + getDescription(), e);
            }
        }
    }

    @SuppressWarnings("resource") // closed by the callers (try-with-resources)
    private static GenericContainer<?> base() {
        return new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withNetworkMode("host")
                // Payload files live in memory: 100 MiB in and out would otherwise go through the overlay fs.
                .withTmpFs(Map.of("/data", "rw,size=512m"));
    }

    /**
     * Started once Docker has started it, whether it still runs or has already exited: {@link #runToCompletion}
     * then waits for the exit itself. Testcontainers' own one-shot check polls the container's state under a rate
     * limit of one call per second shared by all containers, which added about a second to every short peer run.
     */
    private static final class StartedCheck extends StartupCheckStrategy {
        @Override
        public boolean waitUntilStartupSuccessful(DockerClient client, String containerId) {
            return true;
        }

        @Override
        public StartupStatus checkStartupState(DockerClient client, String containerId) {
            return StartupStatus.SUCCESSFUL;
        }
    }

    /** Ready when a TCP connect to 127.0.0.1:port succeeds, for every port. */
    private static final class TcpConnectWait extends AbstractWaitStrategy {
        private final int[] ports;

        TcpConnectWait(int... ports) {
            this.ports = ports.clone();
            withStartupTimeout(Duration.ofSeconds(30));
        }

        @Override
        protected void waitUntilReady() {
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            int next = 0; // ports before this one have accepted a connection
            while (System.nanoTime() < deadline) {
                if (!waitStrategyTarget.isRunning()) {
                    throw new IllegalStateException("peer container exited before listening on 127.0.0.1:"
                            + ports[next] + "; output:\n" + waitStrategyTarget.getLogs());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", ports[next]), 200);
                    if (++next == ports.length) {
                        return;
                    }
                } catch (IOException notYet) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted waiting for port " + ports[next], e);
                    }
                }
            }
            throw new IllegalStateException("peer did not listen on 127.0.0.1:" + Arrays.toString(ports) + " within "
                    + startupTimeout + " (not yet: " + ports[next] + "); output:\n" + waitStrategyTarget.getLogs());
        }
    }
}
