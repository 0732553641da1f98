package dev.spindle.examples.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.examples.net.TcpRelay;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.GenericContainer;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code copyBidirectional} relay ({@link TcpRelay}) in front of socat as the upstream: socat runs
 * {@code cat} per connection, so what goes up comes back down, and EOF travels through both hops.
 */
@Timeout(value = 5, unit = MINUTES)
@Tag("integration")
class SocatRelayIT {
    private static final long HUNDRED_MIB = 100L << 20;

    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        Peers.requireDocker();
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("socat-relay-it-").build();
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    private static GenericContainer<?> socatCatUpstream(int port) {
        return Peers.listening("exec socat TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork EXEC:cat", port);
    }

    @Test
    void javaClientThroughRelayToSocat() throws Exception {
        int upstreamPort = Peers.freePort();
        try (var upstream = socatCatUpstream(upstreamPort);
             var relay = TcpRelay.start(rt, new InetSocketAddress("127.0.0.1", 0),
                     new InetSocketAddress("127.0.0.1", upstreamPort));
             Socket client = new Socket("127.0.0.1", relay.localAddress().getPort())) {
            client.setSoTimeout(60_000);
            // Writer and reader run at once: the path holds far less than 100 MiB in its buffers.
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    Random random = new Random(42);
                    byte[] chunk = new byte[64 * 1024];
                    OutputStream out = client.getOutputStream();
                    for (long left = HUNDRED_MIB; left > 0; left -= chunk.length) {
                        random.nextBytes(chunk);
                        sha.update(chunk);
                        out.write(chunk);
                    }
                    client.shutdownOutput(); // EOF must cross the relay, reach cat, and come back as EOF
                    return HexFormat.of().formatHex(sha.digest());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            InputStream in = client.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long received = 0;
            for (int n; (n = in.read(buf)) != -1; ) {
                sha.update(buf, 0, n);
                received += n;
            }
            assertThat(received).isEqualTo(HUNDRED_MIB);
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(sent.get(1, TimeUnit.MINUTES));
            assertThat(upstream.isRunning()).as("socat upstream still serving").isTrue();
        }
    }

    @Test
    void socatClientThroughRelayToSocat() throws Exception {
        int upstreamPort = Peers.freePort();
        try (var upstream = socatCatUpstream(upstreamPort);
             var relay = TcpRelay.start(rt, new InetSocketAddress("127.0.0.1", 0),
                     new InetSocketAddress("127.0.0.1", upstreamPort))) {
            int port = relay.localAddress().getPort();
            String out = Peers.runToCompletion(String.join("; ",
                    "set -e",
                    "head -c " + HUNDRED_MIB + " /dev/urandom > /data/in",
                    "socat -b 65536 -t 30 -T 60 STDIO TCP:127.0.0.1:" + port + " < /data/in > /data/out",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), Duration.ofMinutes(3));
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo(Long.toString(HUNDRED_MIB));
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
            assertThat(upstream.isRunning()).as("socat upstream still serving").isTrue();
        }
    }

    @Test
    void upstreamRefusingGivesTheClientAnEof() throws Exception {
        int deadPort = Peers.freePort(); // nobody listens there
        try (var relay = TcpRelay.start(rt, new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", deadPort));
             Socket client = new Socket("127.0.0.1", relay.localAddress().getPort())) {
            client.setSoTimeout(10_000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }
}
