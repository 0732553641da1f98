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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
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

    /** Lowest port a peer is given: the ports below are where well-known and registered services listen. */
    private static final int MIN_PEER_PORT = 10_000;
    /** How many ports below the ephemeral range peers draw from: plenty for a few dozen per run. */
    private static final int PEER_PORT_SPAN = 12_000;
    /** Every port {@link #freePort} returned in this JVM; concurrent test classes may ask at once. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

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
        requireNobodyListens(ports);
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

    /**
     * A port for a peer to listen on: free a moment ago, never handed out before in this JVM, and below the
     * kernel's ephemeral range.
     *
     * <p>Why not simply bind port 0: the kernel picks such ports from the ephemeral range, the same range every
     * outgoing connection and every {@code bind(0)} listener on the machine draws from, and it may pick the same
     * port again once the probe socket is closed. A peer that then fails to bind its port (s_server prints "Address
     * already in use" and exits, the container's other servers keep running) leaves the test talking to whoever
     * holds the port, with baffling errors: CI once saw one of a class's s_servers answer on another's port,
     * presenting the wrong certificate. Ports below the ephemeral range are only ever taken by an explicit bind, and
     * {@link #listening} also checks that nobody holds them before the peer starts.
     */
    public static int freePort() throws IOException {
        int[] ephemeral = ephemeralRange();
        int low = Math.max(MIN_PEER_PORT, ephemeral[0] - PEER_PORT_SPAN);
        int high = ephemeral[0]; // exclusive
        if (high - low < PEER_PORT_SPAN / 4) { // an unusual ephemeral range: use the kernel's choice
            return handOut(bindAny());
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high);
            if (!HANDED_OUT.contains(port) && canBind(port)) {
                return handOut(port);
            }
        }
        throw new IOException("no free port for a peer in 127.0.0.1:[" + low + ", " + high + ") after 1000 tries");
    }

    private static int handOut(int port) throws IOException {
        if (!HANDED_OUT.add(port)) {
            throw new IOException("port " + port + " was already handed out to another peer");
        }
        return port;
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false); // a port in TIME_WAIT is one a peer may not get either
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    private static int bindAny() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The kernel's ephemeral port range {@code [low, high]}; Linux's default if it cannot be read. */
    private static int[] ephemeralRange() {
        try {
            // readAllLines, not readString: procfs reports a size of 0, and readString then returns one byte
            String[] parts = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                    .split("\\s+");
            return new int[]{Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException notLinux) {
            return new int[]{32768, 60999};
        }
    }

    /** Throws if one of {@code ports} already accepts connections: the peer could not bind it. */
    private static void requireNobodyListens(int[] ports) {
        for (int port : ports) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            } catch (IOException refused) {
                continue; // the expected case
            }
            throw new IllegalStateException("127.0.0.1:" + port + " already accepts connections before the peer"
                    + " started: another process holds it (a peer container left running? see `docker ps`);"
                    + " a peer must get its ports from Peers.freePort()");
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
                        requireNoBindFailure();
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

        /**
         * Every port accepts, but that proves only that someone listens there: a server of the script that failed
         * to bind (and exited, while the others run on) would leave its port to another process. Servers say so
         * on their output, in the C library's words.
         */
        private void requireNoBindFailure() {
            String logs = waitStrategyTarget.getLogs();
            if (logs.contains("Address already in use")) {
                throw new IllegalStateException("a server of the peer could not bind its port (one of 127.0.0.1:"
                        + Arrays.toString(ports) + "), so another process answers there; output:\n" + logs);
            }
        }
    }
}
