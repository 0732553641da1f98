package dev.spindle.testing.peers;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What keeps a peer from silently losing its port to another process; none of it needs Docker. */
class PeersTest {
    @Test
    void freePortsAreDistinctBindableAndBelowTheEphemeralRange() throws IOException {
        int ephemeralLow = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .get(0).trim().split("\\s+")[0]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            int port = Peers.freePort();
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
            assertThat(port).isLessThan(ephemeralLow).isGreaterThanOrEqualTo(1024);
        }
        int last = seen.iterator().next();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), last)); // still free for its peer
        }
    }

    @Test
    void aPeerIsRefusedAPortSomebodyAlreadyListensOn() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = squatter.getLocalPort();
            assertThatThrownBy(() -> Peers.listening("sleep 60", port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + port + " already accepts connections before the peer started")
                    .hasMessageContaining("docker ps");
        }
    }
}
