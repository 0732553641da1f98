package dev.spindle.net;

import dev.spindle.Context;
import dev.spindle.Futures;
import dev.spindle.JoinHandle;
import dev.spindle.Poll;
import dev.spindle.SpindleRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** 10,000 concurrent connections served by one runtime (clients in a child JVM). */
@Timeout(value = 120, unit = SECONDS)
class ManyConnectionsTest {
    static final int CONNECTIONS = 10_000;

    @Test
    void tenThousandConcurrentConnections() throws Exception {
        try (SpindleRuntime rt = SpindleRuntime.builder().workers(2).threadNamePrefix("many-conn-").build();
             TcpListener l = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 4096)) {
            JoinHandle<Void> server = rt.spawn(Futures.pollFn(new java.util.function.Function<Context, Poll<Void>>() {
                int accepted;

                @Override
                public Poll<Void> apply(Context cx) {
                    try {
                        while (accepted < CONNECTIONS) {
                            Poll<TcpStream> p = l.pollAccept(cx);
                            if (p.isPending()) {
                                return Poll.pending();
                            }
                            accepted++;
                            SpindleRuntime.current().spawn(TcpTest.echo(p.value()));
                        }
                        return Poll.readyNull();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }));
            String java = ProcessHandle.current().info().command().orElse("java");
            Process client = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ManyConnectionsClient.class.getName(), String.valueOf(l.localAddress().getPort()),
                    String.valueOf(CONNECTIONS)).redirectErrorStream(true).start();
            try {
                assertThat(client.waitFor(100, TimeUnit.SECONDS)).as("client finished").isTrue();
                String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                assertThat(out).isEqualTo("ok " + CONNECTIONS);
            } finally {
                client.destroyForcibly();
            }
            server.join(Duration.ofSeconds(10));
            assertThat(rt.metrics().spawned()).isGreaterThanOrEqualTo(CONNECTIONS);
        }
    }
}
