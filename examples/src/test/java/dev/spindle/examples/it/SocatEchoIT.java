package dev.spindle.examples.it;

import dev.spindle.SpindleRuntime;
import dev.spindle.examples.net.EchoServer;
import dev.spindle.testing.peers.Output;
import dev.spindle.testing.peers.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

/** socat, as a client, streams 100 MiB of random bytes through the Spindle echo server while reading them back. */
@Timeout(value = 5, unit = MINUTES)
@Tag("integration")
class SocatEchoIT {
    private SpindleRuntime rt;

    @BeforeEach
    void start() {
        Peers.requireDocker();
        rt = SpindleRuntime.builder().workers(2).threadNamePrefix("socat-echo-it-").build();
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void hundredMebibytesEchoedIntact() throws Exception {
        try (var server = EchoServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            int port = server.localAddress().getPort();
            // socat sends the file, half-closes at its EOF (shut-down of the TCP write side), and keeps reading
            // until the server half-closes in turn (-t bounds that wait). Checksums are printed for both files.
            String out = Peers.runToCompletion(String.join("; ",
                    "set -e",
                    "head -c 104857600 /dev/urandom > /data/in",
                    "socat -b 65536 -t 30 -T 60 STDIO TCP:127.0.0.1:" + port + " < /data/in > /data/out",
                    "echo IN $(sha256sum < /data/in | cut -d' ' -f1)",
                    "echo OUT $(sha256sum < /data/out | cut -d' ' -f1)",
                    "echo SIZE $(stat -c %s /data/out)"), Duration.ofMinutes(3));
            assertThat(Output.value(out, "SIZE")).as(out).isEqualTo("104857600");
            assertThat(Output.value(out, "OUT")).as(out).isEqualTo(Output.value(out, "IN"));
        }
    }

    @Test
    void manySocatClientsAtOnce() throws Exception {
        try (var server = EchoServer.start(rt, new InetSocketAddress("127.0.0.1", 0))) {
            int port = server.localAddress().getPort();
            // 50 concurrent socat processes, 1 MiB each: every one must get its own bytes back.
            String out = Peers.runToCompletion(String.join("\n",
                    "set -e",
                    "head -c 1048576 /dev/urandom > /data/in",
                    "want=$(sha256sum < /data/in | cut -d' ' -f1)",
                    "for i in $(seq 1 50); do",
                    "  socat -t 30 -T 60 STDIO TCP:127.0.0.1:" + port + " < /data/in > /data/out.$i &",
                    "done",
                    "wait",
                    "bad=0",
                    "for i in $(seq 1 50); do",
                    "  [ \"$(sha256sum < /data/out.$i | cut -d' ' -f1)\" = \"$want\" ] || bad=$((bad+1))",
                    "done",
                    "echo BAD $bad"), Duration.ofMinutes(3));
            assertThat(Output.value(out, "BAD")).as(out).isEqualTo("0");
        }
    }
}
